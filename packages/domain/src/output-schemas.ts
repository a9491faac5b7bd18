/**
 * The domain's output schemas: the zod shapes of what the verbs return (camelCase, `Date`s,
 * `Money` without display). The REST shim derives its snake_case response schemas from these.
 */
export {};
