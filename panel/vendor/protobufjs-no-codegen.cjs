// Stands in for protobufjs's src/util/codegen.js in the panel build (see vite.config.ts). protobufjs generates its
// encoders and decoders with `new Function`, which an extension page's CSP forbids in both browsers; WS Lens reads
// messages with its own walk over the schema (panel/decoders/protobufSchema.ts), so the generator is never needed,
// and without it the bundle carries no eval (web-ext lint: DANGEROUS_EVAL).
module.exports = function codegen() {
  throw new Error('protobufjs code generation is not available in the WS Lens panel (extension pages forbid eval)');
};
module.exports.verbose = false;
