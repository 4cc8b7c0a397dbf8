import { takeContractViolations } from 'test/support/openapi-contract';

// Every suite ends by failing on any response its test apps sent outside the OpenAPI document.
afterAll(() => {
  expect(takeContractViolations()).toEqual([]);
});
