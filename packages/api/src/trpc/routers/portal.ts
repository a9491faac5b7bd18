import {
  type CreatePortalSessionInput,
  createPortalSession,
  getPortalConfiguration,
  type RevokePortalSessionInput,
  revokePortalSession,
  type SetPortalConfigurationInput,
  setPortalConfiguration,
} from '@ledger/domain';
import { procedure, router, typed } from '../init.js';

/** `customer.portal.*`: a customer's billing portal sessions. */
export const customerPortalRouter = router({
  create: procedure
    .input(typed<CreatePortalSessionInput>())
    .mutation(({ ctx, input }) => createPortalSession(ctx.services, input)),
});

/** `portal.*`: the scope's portal configuration, and revoking a session. */
export const portalRouter = router({
  configuration: router({
    get: procedure.query(({ ctx }) => getPortalConfiguration(ctx.services)),
    set: procedure
      .input(typed<SetPortalConfigurationInput>())
      .mutation(({ ctx, input }) => setPortalConfiguration(ctx.services, input)),
  }),
  revokeSession: procedure
    .input(typed<RevokePortalSessionInput>())
    .mutation(({ ctx, input }) => revokePortalSession(ctx.services, input)),
});
