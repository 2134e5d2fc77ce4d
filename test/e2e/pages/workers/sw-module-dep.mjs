// Imported by sw-module.mjs: a socket opened while the module graph is evaluated, before the importing module runs.
export const early = new WebSocket(`ws://${self.location.host}/echo?from=swmodule-dep`);
