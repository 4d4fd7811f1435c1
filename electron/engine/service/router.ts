// The RPC contract: tRPC procedures with zod-checked inputs. The renderer imports only its type.
// Errors carry a code and, for the engine's coded errors, the key and params the UI translates;
// never a server stack trace.
import { initTRPC, TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { EventHub } from './hub.ts';
import { InstallBusyError, type InstallController } from './installs.ts';
import type { EnginePort } from './port.ts';
import { CodedError, type ErrorParams } from '../run/coded-error.ts';
import { TargetChangedError } from '../app/install.ts';
import { PlanUnknownError } from './plans.ts';
import { SessionTooLargeError, wizardSessionInput, type SessionStore } from './session.ts';
import { exportAnswers, ExportRefusedError } from '../answers/export.ts';
import type { HashPasswords } from '../answers/hash-worker.ts';
import { PasswordRefusedError, RepairPlanUnknownError, SystemChangedError, type RescuePort } from './rescue.ts';
import { PassphraseNeededError } from '../app/repair.ts';
import { NoSystemInsideError } from '../app/systems.ts';
import { LuksOpenError, WrongPassphraseError } from '../rescue/unlock.ts';
import { RepairBusyError, type RepairController } from './repairs.ts';
import { UI_REPAIR_KINDS } from '../../shared/rescue.ts';

export interface ServiceContext {
  engine: EnginePort;
  hub: EventHub;
  installs: InstallController;
  /** The wizard's session (page, language, answers, passwords in memory): a reload resumes it. */
  session: SessionStore;
  /** Maintenance of installed systems (absent: the service offers none). */
  rescue?: RescuePort;
  repairs?: RepairController;
  /** The service's own messages (the Live session shows them on the console; QA's tests read them). */
  log?: (message: string) => void;
  /** SHA-512 crypt of exported passwords (off the event loop: hash-worker.ts). */
  hashPasswords: HashPasswords;
}

/** An unexpected error's message, as a client sees it: its first line, cut short (a command's error carries its output). */
export function clientMessage(message: string): string {
  const line = message.split('\n', 1)[0]!.trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

const t = initTRPC.context<ServiceContext>().create({
  isDev: false,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const coded: { code: string; params: ErrorParams } | null = cause instanceof CodedError ? { code: cause.code, params: cause.params } : null;
    const { stack: _stack, ...data } = shape.data as typeof shape.data & { stack?: string };
    const message = error.code === 'INTERNAL_SERVER_ERROR' && !coded ? clientMessage(shape.message) : shape.message;
    return { ...shape, message, data: { ...data, coded } };
  },
});

/** An answers object; its content is checked by the engine's own validation, which names each problem. */
const answersInput = z.record(z.string(), z.unknown());
const planIdInput = z.strictObject({ planId: z.string().min(1).max(64) });

/** The longest password the service takes, as `repair` does: hashing it costs the square of its length. */
const PASSWORD_MAX_CHARS = 1024;
/** Answers to export: their passwords are bounded before anything else looks at them. */
const exportInput = answersInput.superRefine((answers, ctx) => {
  for (const key of ['user', 'root']) {
    const password = (answers[key] as { password?: unknown } | null | undefined)?.password;
    if (typeof password === 'string' && password.length > PASSWORD_MAX_CHARS) {
      ctx.addIssue({ code: 'custom', path: [key, 'password'], message: `longer than ${PASSWORD_MAX_CHARS} characters` });
    }
  }
});

/** The engine's refusals as tRPC errors: a changed target or a busy engine is a CONFLICT. */
function asTrpcError(e: unknown): unknown {
  if (e instanceof InstallBusyError || e instanceof TargetChangedError) return new TRPCError({ code: 'CONFLICT', message: e.message, cause: e });
  if (e instanceof SessionTooLargeError) return new TRPCError({ code: 'PAYLOAD_TOO_LARGE', message: e.message, cause: e });
  if (e instanceof RepairBusyError || e instanceof SystemChangedError) return new TRPCError({ code: 'CONFLICT', message: e.message, cause: e });
  if (e instanceof PlanUnknownError || e instanceof RepairPlanUnknownError) return new TRPCError({ code: 'NOT_FOUND', message: e.message, cause: e });
  if (e instanceof PasswordRefusedError) return new TRPCError({ code: 'BAD_REQUEST', message: e.message, cause: e });
  if (e instanceof WrongPassphraseError || e instanceof PassphraseNeededError || e instanceof NoSystemInsideError) return new TRPCError({ code: 'BAD_REQUEST', message: e.message, cause: e });
  if (e instanceof LuksOpenError) return new TRPCError({ code: 'PRECONDITION_FAILED', message: e.message, cause: e });
  if (e instanceof ExportRefusedError) return new TRPCError({ code: 'BAD_REQUEST', message: e.message, cause: e });
  return e;
}

function rescueOf(ctx: ServiceContext): { rescue: RescuePort; repairs: RepairController } {
  if (!ctx.rescue || !ctx.repairs) throw new TRPCError({ code: 'METHOD_NOT_SUPPORTED', message: 'this service offers no maintenance' });
  return { rescue: ctx.rescue, repairs: ctx.repairs };
}

const systemInput = z.string().min(1).max(128);
/** A disk's passphrase: as long as cryptsetup takes one from a key file's first line (its default cap is 8 MiB; 1024 is plenty). */
const passphraseInput = z.string().min(1).max(1024);

async function mapped<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw asTrpcError(e);
  }
}

export const appRouter = t.router({
  facts: t.procedure
    .input(z.strictObject({ lang: z.string().max(32), variant: z.string().max(128).optional(), swap: z.string().max(32).optional() }))
    .query(async ({ ctx, input }) => {
      ctx.log?.(`a client asked for the machine's facts (language ${input.lang})`);
      try {
        return await ctx.engine.facts(input);
      } catch (e) {
        ctx.log?.(`the machine's facts: ${clientMessage(e instanceof Error ? e.message : String(e))}`);
        throw e;
      }
    }),
  validate: t.procedure.input(answersInput).query(({ ctx, input }) => ctx.engine.validate(input)),
  /** Makes and keeps a plan; its id is what `install` takes. */
  plan: t.procedure.input(answersInput).mutation(({ ctx, input }) => ctx.engine.plan(input)),
  state: t.procedure.query(({ ctx }) => ctx.hub.snapshot()),
  /** The wizard's session as the last window left it (null before any). */
  session: t.procedure.query(({ ctx }) => ctx.session.get()),
  saveSession: t.procedure.input(wizardSessionInput).mutation(({ ctx, input }) => mapped(async () => ctx.session.set(input))),
  /** The answers as a file to keep: passwords replaced by their SHA-512 crypt hash (`password-hash`). */
  exportAnswers: t.procedure.input(exportInput).mutation(({ ctx, input }) => mapped(() => exportAnswers(input, ctx.hashPasswords))),
  install: t.procedure.input(planIdInput).mutation(({ ctx, input }) => mapped(() => ctx.installs.start(input.planId))),
  cancel: t.procedure.mutation(({ ctx }) => ({ cancelled: ctx.installs.cancel() })),
  retry: t.procedure.mutation(({ ctx }) => mapped(() => ctx.installs.retry())),
  reboot: t.procedure.mutation(async ({ ctx }) => {
    if (ctx.installs.busy || ctx.hub.snapshot().phase !== 'done' || !ctx.engine.reboot) return { rebooting: false };
    return ctx.engine.reboot();
  }),
  /** Maintenance: the installed systems found (and every other volume, with why it is not one). */
  systems: t.procedure.query(({ ctx }) => rescueOf(ctx).rescue.systems()),
  /** A locked system's inside, looked at with its passphrase (read-only, closed again); nothing is kept but the answer. */
  unlock: t.procedure
    .input(z.strictObject({ system: systemInput, passphrase: passphraseInput }))
    .mutation(({ ctx, input }) => mapped(() => rescueOf(ctx).rescue.unlock(input))),
  /** Plans a repair and keeps it; its id is what `repair` takes. A locked system's comes with its passphrase. */
  planRepair: t.procedure
    .input(z.strictObject({ system: systemInput, repair: z.enum(UI_REPAIR_KINDS), user: z.string().min(1).max(64).optional(), passphrase: passphraseInput.optional() }))
    .mutation(({ ctx, input }) => mapped(() => rescueOf(ctx).rescue.planRepair(input))),
  /** Runs a kept repair plan; the password (password repair) and a passphrase are held in memory only while it runs. */
  repair: t.procedure
    .input(z.strictObject({ planId: z.string().min(1).max(64), password: z.string().max(1024).optional(), passphrase: passphraseInput.optional() }))
    .mutation(({ ctx, input }) => mapped(() => rescueOf(ctx).repairs.start(input.planId, input.password, input.passphrase))),
  repairCancel: t.procedure.mutation(({ ctx }) => ({ cancelled: rescueOf(ctx).repairs.cancel() })),
  /** The repair under way (or last run) and its plan, for a page that reloads. */
  repairState: t.procedure.query(({ ctx }) => {
    const { repairs } = rescueOf(ctx);
    return { state: repairs.hub.snapshot(), plan: repairs.plan, running: repairs.busy };
  }),
  /** A repair's events as `events` streams an install's: the current state first, then every event. */
  repairEvents: t.procedure.subscription(async function* ({ ctx, signal }) {
    yield* rescueOf(ctx).repairs.hub.stream(signal);
  }),
  /** Opens MATE's terminal with `livekit shell <system>` in the Live session (or says what to type). */
  terminal: t.procedure
    .input(z.strictObject({ system: systemInput, locale: z.string().max(64).optional() }))
    .mutation(({ ctx, input }) => mapped(() => rescueOf(ctx).rescue.terminal(input))),
  /** The current state first (replay after a reload), then every event. */
  events: t.procedure.subscription(async function* ({ ctx, signal }) {
    yield* ctx.hub.stream(signal);
  }),
});

export type AppRouter = typeof appRouter;
