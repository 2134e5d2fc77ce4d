# reads probe output lines (JSON reports) and prints one line per worker
import sys, json
for l in sys.stdin:
    l = l.strip()
    if l.startswith('bg ') or not l.startswith('{'): continue
    try: r = json.loads(l)
    except Exception: continue
    w = r.get('who')
    if w == 'zz-wrapLog': print('  wrapLog', r['log'], 'csp', r['csp']); continue
    if 'error' in r: print('  ', w, 'ERROR', r['error']); continue
    print('  ', w, 'hooked', r.get('hooked'), 'wsCount', r.get('wsCount'), 'echo', r.get('echo'), 'sameLoc', r['loc'].startswith(r.get('given', '')[:50]),
          'origin', r['origin'], 'frame', r['firstFrame'][-6:], 'relImport', r.get('relImport'), 'relUrl', str(r.get('relUrl'))[:30], 'relFetch', r.get('relFetch'))
