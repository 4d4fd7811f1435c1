// The RPC contract: tRPC procedures with zod-checked inputs. The renderer imports only its type.
import { initTRPC, TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { EventHub } from './hub.ts';
import { InstallBusyError, type InstallController } from './installs.ts';
import type { EnginePort } from './port.ts';

export interface ServiceContext {
  engine: EnginePort;
  hub: EventHub;
  installs: InstallController;
}

const t = initTRPC.context<ServiceContext>().create();

/** An answers object; its content is checked by the engine's own validation, which names each problem. */
const answersInput = z.record(z.string(), z.unknown());

export const appRouter = t.router({
  facts: t.procedure
    .input(z.strictObject({ lang: z.string().max(32), variant: z.string().max(128).optional(), swap: z.string().max(32).optional() }))
    .query(({ ctx, input }) => ctx.engine.facts(input)),
  validate: t.procedure.input(answersInput).query(({ ctx, input }) => ctx.engine.validate(input)),
  plan: t.procedure.input(answersInput).query(({ ctx, input }) => ctx.engine.plan(input)),
  state: t.procedure.query(({ ctx }) => ctx.hub.snapshot()),
  install: t.procedure.input(answersInput).mutation(async ({ ctx, input }) => {
    try {
      return await ctx.installs.start(input);
    } catch (e) {
      if (e instanceof InstallBusyError) throw new TRPCError({ code: 'CONFLICT', message: e.message });
      throw e;
    }
  }),
  cancel: t.procedure.mutation(({ ctx }) => ({ cancelled: ctx.installs.cancel() })),
  retry: t.procedure.mutation(async ({ ctx }) => {
    try {
      return await ctx.installs.retry();
    } catch (e) {
      if (e instanceof InstallBusyError) throw new TRPCError({ code: 'CONFLICT', message: e.message });
      throw e;
    }
  }),
  reboot: t.procedure.mutation(async ({ ctx }) => {
    if (ctx.installs.busy || ctx.hub.snapshot().phase !== 'done' || !ctx.engine.reboot) return { rebooting: false };
    return ctx.engine.reboot();
  }),
  /** The current state first (replay after a reload), then every event. */
  events: t.procedure.subscription(async function* ({ ctx, signal }) {
    yield* ctx.hub.stream(signal);
  }),
});

export type AppRouter = typeof appRouter;
