// line 1 of a filtered module moves (the hook is written there); this error is on line 2
export const dep = { toString: String(WebSocket), location: self.location.href, stack: String(new Error().stack).split("\n")[0] };
