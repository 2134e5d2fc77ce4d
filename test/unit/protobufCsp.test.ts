/**
 * An extension page's CSP (MV3: no 'unsafe-eval') makes `new Function` throw, and protobufjs generates its decode
 * and toObject with it. This file imports nothing from protobufjs before the test, so the lazily loaded full build,
 * its descriptor extension and the panel's schema code are evaluated here, with `Function` refusing, as in the panel.
 * (test/unit/decoders/protobuf.test.ts runs the schema compile and the decoding the same way.)
 */
import { expect, it } from 'vitest';

it('loading the protobuf library and a schema generates no code', async () => {
  const real = globalThis.Function;
  let calls = 0;
  const refuse = () => {
    calls++;
    throw new EvalError("Refused to evaluate a string as JavaScript because 'unsafe-eval' is not an allowed source");
  };
  globalThis.Function = new Proxy(real, { apply: refuse, construct: refuse });
  try {
    const { compileSchema, loadProtobufLib } = await import('../../panel/store/protobufSchemas');
    const lib = await loadProtobufLib();
    const r = compileSchema(lib, [{ name: 'a.proto', proto: 'syntax = "proto3";\nimport "google/protobuf/any.proto";\nmessage A { google.protobuf.Any x = 1; map<string, A> m = 2; }\n' }]);
    expect(r.ok).toBe(true);
  } finally {
    globalThis.Function = real;
  }
  expect(calls).toBe(0);
});
