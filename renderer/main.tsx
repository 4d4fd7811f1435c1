import { createRoot } from 'react-dom/client';
import { App, type Api } from './App.tsx';
import { initI18n } from './i18n.ts';
import { rpc } from './rpc.ts';
import type { ServiceMessage } from '../electron/api.ts';
import './styles.css';

const api: Api = {
  facts: (input) => rpc.facts.query(input),
  validate: (a) => rpc.validate.query(a),
  plan: (a) => rpc.plan.mutate(a),
  install: (planId) => rpc.install.mutate({ planId }),
  retry: () => rpc.retry.mutate(),
  cancel: () => rpc.cancel.mutate(),
  session: () => rpc.session.query(),
  saveSession: (s) => rpc.saveSession.mutate(s),
  exportAnswers: (a) => rpc.exportAnswers.mutate(a),
  reboot: () => rpc.reboot.mutate(),
  subscribe: (on) => {
    const sub = rpc.events.subscribe(undefined, { onData: (m) => on(m as ServiceMessage) });
    return () => sub.unsubscribe();
  },
  rescue: {
    systems: () => rpc.systems.query(),
    unlock: (system, passphrase) => rpc.unlock.mutate({ system, passphrase }),
    planRepair: (req) => rpc.planRepair.mutate(req),
    repair: (planId, password, passphrase) => rpc.repair.mutate({ planId, ...(password !== undefined ? { password } : {}), ...(passphrase !== undefined ? { passphrase } : {}) }),
    cancel: () => rpc.repairCancel.mutate(),
    terminal: (system, locale) => rpc.terminal.mutate({ system, locale }),
    subscribe: (on) => {
      const sub = rpc.repairEvents.subscribe(undefined, { onData: (m) => on(m as ServiceMessage) });
      return () => sub.unsubscribe();
    },
  },
};

createRoot(document.getElementById('root')!).render(<App api={api} i18n={initI18n('en')} />);
