import {
  CreatedPortalSessionSchema,
  CreatePortalSessionInput,
  createPortalSession,
  getPortalConfiguration,
  PortalConfigurationSchema,
  PortalSessionSchema,
  RevokePortalSessionInput,
  revokePortalSession,
  SetPortalConfigurationInput,
  setPortalConfiguration,
} from '@ledger/domain';
import { z } from 'zod';
import { operation } from '../operation.js';

/** The billing portal's API half: sessions (links) and each scope's configuration. */
export const portalOperations = [
  operation({
    operationId: 'createPortalSession',
    method: 'post',
    path: '/customers/{id}/portal',
    summary: 'Create a billing portal session',
    description:
      'Answers a single-use `url` (redirect the customer there with a 303) that works once, until `expires_at` (`expires_in` 60–86400 seconds, default 300), and opens a 1-hour browser session. `return_url` is where the portal links back to (the configuration’s `default_return_url` when omitted).',
    tag: 'Portal',
    input: CreatePortalSessionInput,
    from: 'body',
    pathParams: { id: 'customerId' },
    status: 200,
    output: CreatedPortalSessionSchema,
    errors: ['customer_not_found', 'customer_deleted'],
    run: createPortalSession,
  }),
  operation({
    operationId: 'revokePortalSession',
    method: 'post',
    path: '/portal-sessions/{id}/revoke',
    summary: 'Revoke a billing portal session',
    description:
      'Its link and the browser session it opened stop working at once, in every process.',
    tag: 'Portal',
    input: RevokePortalSessionInput,
    from: 'none',
    pathParams: { id: 'id' },
    status: 200,
    output: PortalSessionSchema,
    errors: ['portal_session_not_found'],
    run: revokePortalSession,
  }),
  operation({
    operationId: 'getPortalConfiguration',
    method: 'get',
    path: '/portal/configuration',
    summary: 'Get the portal configuration',
    description: 'Every feature is on until you turn it off.',
    tag: 'Portal',
    input: z.strictObject({}),
    from: 'none',
    status: 200,
    output: PortalConfigurationSchema,
    errors: [],
    run: (ctx) => getPortalConfiguration(ctx),
  }),
  operation({
    operationId: 'setPortalConfiguration',
    method: 'put',
    path: '/portal/configuration',
    summary: 'Change the portal configuration',
    description:
      'Objects merge field by field and lists are replaced; `null` clears a nullable field. A feature turned off is gone from the portal: its pages and form posts answer 404.',
    tag: 'Portal',
    input: SetPortalConfigurationInput,
    from: 'body',
    status: 200,
    output: PortalConfigurationSchema,
    errors: ['invalid_email', 'invalid_id'],
    run: setPortalConfiguration,
  }),
];
