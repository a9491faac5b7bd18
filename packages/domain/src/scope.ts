/**
 * Who a call acts for. An API key belongs to exactly one scope; every row carries it and every
 * read filters by it, so an id from another scope is simply "not found".
 */
export interface Scope {
  readonly tenantId: string;
  readonly appId: string;
}
