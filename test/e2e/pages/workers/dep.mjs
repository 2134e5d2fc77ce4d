export const echoUrl = (kind) => `ws://${self.location.host}/echo?from=${kind}`;
