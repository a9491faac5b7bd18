import {
  AddCreditInput,
  CreateCustomerInput,
  ListBalanceTransactionsInput,
  ListCustomersInput,
  UpdateCustomerInput,
} from '@ledger/domain';
import { z } from 'zod';
import { billingPaths } from './openapi-billing.js';
import { type JsonSchema, json, operation, queryParameters, withId } from './openapi-helpers.js';
import {
  BalanceTransactionObject,
  CreditResultObject,
  CustomerObject,
  listObject,
} from './wire-schemas.js';

let cached: JsonSchema | undefined;

/**
 * The OpenAPI 3.1 document of the REST shim. Request bodies and query parameters come from the
 * verbs' own zod schemas, responses from the wire schemas the tests check responses against.
 */
export function openApiDocument(): JsonSchema {
  cached ??= {
    openapi: '3.1.0',
    info: { title: 'Ledger REST API', version: '0.1.0' },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
    },
    paths: {
      '/ledger/customers': {
        post: operation(
          'Create a customer',
          { 201: { description: 'Customer', ...json(CustomerObject) } },
          {
            requestBody: { required: true, ...json(CreateCustomerInput, 'input') },
          },
        ),
        get: operation(
          'List customers',
          { 200: { description: 'Page of customers', ...json(listObject(CustomerObject)) } },
          {
            parameters: queryParameters(ListCustomersInput),
          },
        ),
      },
      '/ledger/customers/email/{email}': {
        get: operation(
          'Get a customer by email',
          { 200: { description: 'Customer', ...json(CustomerObject) } },
          {
            parameters: [{ name: 'email', in: 'path', required: true, schema: { type: 'string' } }],
          },
        ),
      },
      '/ledger/customers/{id}': {
        get: operation(
          'Get a customer',
          { 200: { description: 'Customer', ...json(CustomerObject) } },
          withId(),
        ),
        put: operation(
          'Update a customer',
          { 200: { description: 'Customer', ...json(CustomerObject) } },
          withId({
            requestBody: {
              required: true,
              ...json(UpdateCustomerInput.omit({ id: true }), 'input'),
            },
          }),
        ),
        delete: operation(
          'Delete a customer (soft)',
          { 204: { description: 'Deleted' } },
          withId(),
        ),
      },
      '/ledger/customers/{id}/credit': {
        post: operation(
          'Add account credit',
          { 200: { description: 'Credit result', ...json(CreditResultObject) } },
          withId({
            requestBody: {
              required: true,
              ...json(AddCreditInput.omit({ customerId: true }), 'input'),
            },
          }),
        ),
      },
      '/ledger/customers/{id}/balance-transactions': {
        get: operation(
          'List balance transactions',
          {
            200: {
              description: 'Page of balance transactions',
              ...json(listObject(BalanceTransactionObject)),
            },
          },
          withId({
            // zod refuses .omit() on a refined object; rebuild it from the shape first.
            parameters: queryParameters(
              z.object(ListBalanceTransactionsInput.shape).omit({ customerId: true }),
            ),
          }),
        ),
      },
      ...billingPaths(),
    },
  };
  return cached;
}
