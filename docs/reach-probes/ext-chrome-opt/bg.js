globalThis.check = async () => ({ manifestOptional: chrome.runtime.getManifest().optional_permissions, hasDebuggerApi: typeof chrome.debugger,
  contains: await chrome.permissions.contains({ permissions: ['debugger'] }),
  requestNoGesture: await chrome.permissions.request({ permissions: ['debugger'] }).then((x) => 'resolved ' + x, (e) => 'rejected: ' + e.message) });
