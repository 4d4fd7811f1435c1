// "Repair an installed system": the systems found, the repairs for one, the plan, progress and result.
// It reads the systems when it opens (and on "Look again"), and follows the repairs' own event stream.
import { useCallback, useEffect } from 'react';
import { useRepair } from '../store/repair.ts';
import type { RescueApi } from './api.ts';
import { PlanPage } from './PlanPage.tsx';
import { RepairsPage } from './RepairsPage.tsx';
import { RepairProgressPage, RepairResultPage } from './RunPages.tsx';
import { SystemsPage } from './SystemsPage.tsx';

export function RepairPath({ api, locale }: { api: RescueApi; locale: string }) {
  const page = useRepair((s) => s.page);
  const systems = useRepair((s) => s.systems);
  const load = useCallback(() => {
    useRepair.getState().setSystems(null);
    api.systems().then(
      (s) => useRepair.getState().setSystems(s),
      (e: unknown) => useRepair.getState().setSystems(null, e instanceof Error ? e.message : String(e)),
    );
  }, [api]);
  useEffect(() => {
    if (!systems) load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [load, page === 'systems']);
  useEffect(() => api.subscribe((m) => useRepair.getState().apply(m)), [api]);
  switch (page) {
    case 'systems':
      return <SystemsPage api={api} reload={load} />;
    case 'repairs':
      return <RepairsPage api={api} locale={locale} />;
    case 'plan':
      return <PlanPage api={api} />;
    case 'progress':
      return <RepairProgressPage api={api} />;
    case 'result':
      return <RepairResultPage />;
  }
}
