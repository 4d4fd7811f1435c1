// Time zones for the filtering combobox: every IANA zone Intl knows, each searchable by its id, its city
// with spaces, its Chinese city name (简体 and 繁體, for the zones people in China, Taiwan and beyond look
// for most) and its generic name in the page's language ("中国标准时间", "Central European Time").

/** Chinese city names: [Simplified, Traditional]. */
const ZH_CITY: Record<string, [string, string]> = {
  'Asia/Shanghai': ['上海', '上海'],
  'Asia/Urumqi': ['乌鲁木齐', '烏魯木齊'],
  'Asia/Hong_Kong': ['香港', '香港'],
  'Asia/Macau': ['澳门', '澳門'],
  'Asia/Taipei': ['台北', '臺北'],
  'Asia/Tokyo': ['东京', '東京'],
  'Asia/Seoul': ['首尔', '首爾'],
  'Asia/Pyongyang': ['平壤', '平壤'],
  'Asia/Singapore': ['新加坡', '新加坡'],
  'Asia/Kuala_Lumpur': ['吉隆坡', '吉隆坡'],
  'Asia/Bangkok': ['曼谷', '曼谷'],
  'Asia/Ho_Chi_Minh': ['胡志明市', '胡志明市'],
  'Asia/Manila': ['马尼拉', '馬尼拉'],
  'Asia/Jakarta': ['雅加达', '雅加達'],
  'Asia/Kolkata': ['加尔各答', '加爾各答'],
  'Asia/Dubai': ['迪拜', '杜拜'],
  'Asia/Ulaanbaatar': ['乌兰巴托', '烏蘭巴托'],
  'Asia/Almaty': ['阿拉木图', '阿拉木圖'],
  'Asia/Yangon': ['仰光', '仰光'],
  'Asia/Kathmandu': ['加德满都', '加德滿都'],
  'Asia/Karachi': ['卡拉奇', '卡拉奇'],
  'Asia/Tehran': ['德黑兰', '德黑蘭'],
  'Asia/Jerusalem': ['耶路撒冷', '耶路撒冷'],
  'Europe/London': ['伦敦', '倫敦'],
  'Europe/Paris': ['巴黎', '巴黎'],
  'Europe/Berlin': ['柏林', '柏林'],
  'Europe/Madrid': ['马德里', '馬德里'],
  'Europe/Rome': ['罗马', '羅馬'],
  'Europe/Amsterdam': ['阿姆斯特丹', '阿姆斯特丹'],
  'Europe/Moscow': ['莫斯科', '莫斯科'],
  'Europe/Istanbul': ['伊斯坦布尔', '伊斯坦堡'],
  'Europe/Kyiv': ['基辅', '基輔'],
  'Europe/Stockholm': ['斯德哥尔摩', '斯德哥爾摩'],
  'Europe/Zurich': ['苏黎世', '蘇黎世'],
  'America/New_York': ['纽约', '紐約'],
  'America/Chicago': ['芝加哥', '芝加哥'],
  'America/Denver': ['丹佛', '丹佛'],
  'America/Los_Angeles': ['洛杉矶', '洛杉磯'],
  'America/Vancouver': ['温哥华', '溫哥華'],
  'America/Toronto': ['多伦多', '多倫多'],
  'America/Mexico_City': ['墨西哥城', '墨西哥城'],
  'America/Sao_Paulo': ['圣保罗', '聖保羅'],
  'America/Argentina/Buenos_Aires': ['布宜诺斯艾利斯', '布宜諾斯艾利斯'],
  'Australia/Sydney': ['悉尼', '雪梨'],
  'Australia/Melbourne': ['墨尔本', '墨爾本'],
  'Australia/Perth': ['珀斯', '伯斯'],
  'Pacific/Auckland': ['奥克兰', '奧克蘭'],
  'Africa/Cairo': ['开罗', '開羅'],
  'Africa/Johannesburg': ['约翰内斯堡', '約翰尼斯堡'],
  'Africa/Lagos': ['拉各斯', '拉各斯'],
  'Africa/Nairobi': ['内罗毕', '奈洛比'],
  UTC: ['协调世界时', '協調世界時'],
};

export interface Zone {
  id: string;
  /** What the option shows: the city in the page's language when known, then the zone id. */
  label: string;
  /** Lower-cased text the filter searches. */
  search: string;
}

function allZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  const list = intl.supportedValuesOf?.('timeZone') ?? [];
  return list.includes('UTC') ? list : ['UTC', ...list];
}

function genericName(id: string, lng: string): string {
  try {
    const parts = new Intl.DateTimeFormat(lng, { timeZone: id, timeZoneName: 'longGeneric' }).formatToParts(new Date(0));
    return parts.find((p) => p.type === 'timeZoneName')?.value ?? '';
  } catch {
    return '';
  }
}

/** The city name shown for a zone in a language (`上海` in zh-CN, `臺北` in zh-TW), or undefined. */
export function cityName(id: string, lng: string): string | undefined {
  const zh = ZH_CITY[id];
  if (!zh || !lng.startsWith('zh')) return undefined;
  return lng === 'zh-TW' ? zh[1] : zh[0];
}

/** The zone as the page says it: `上海 · Asia/Shanghai` in Chinese, `Asia/Shanghai` (spaces for _) otherwise. */
export function zoneLabel(id: string, lng: string): string {
  const city = cityName(id, lng);
  const plain = id.replace(/_/g, ' ');
  return city ? `${city} · ${plain}` : plain;
}

const cache = new Map<string, Zone[]>();

/** Every zone, labelled for `lng`. The generic names are computed once per language. */
export function zonesFor(lng: string): Zone[] {
  const hit = cache.get(lng);
  if (hit) return hit;
  const zones = allZones().map((id) => {
    const zh = ZH_CITY[id] ?? ['', ''];
    const search = [id, id.replace(/_/g, ' '), zh[0], zh[1], genericName(id, lng)].join(' ').toLowerCase();
    return { id, label: zoneLabel(id, lng), search };
  });
  cache.set(lng, zones);
  return zones;
}

/** Zones whose text contains every word typed (`shangh`, `上海`, `berlin`, `中国`). */
export function filterZones(zones: Zone[], query: string): Zone[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return zones;
  return zones.filter((z) => words.every((w) => z.search.includes(w)));
}
