// A worker that asks the server for a flood of small frames and says when it has them all.
const n = Number(new URL(self.location.href).searchParams.get('n') || 50000);
const ws = new WebSocket(`ws://${self.location.host}/burst?from=flood`);
let seen = 0;
ws.onopen = () => ws.send(`go:${n}`);
ws.onmessage = () => {
  if (++seen === n) postMessage({ kind: 'flood', got: `all ${n}` });
};
