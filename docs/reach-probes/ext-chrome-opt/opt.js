window.__res = 'not clicked';
document.getElementById('b').onclick = () => { window.__res = 'pending (prompt shown?)'; chrome.permissions.request({ permissions: [new URLSearchParams(location.search).get('p')] }).then((x) => { window.__res = 'resolved ' + x + ' debugger api now ' + typeof chrome.debugger; }, (e) => { window.__res = 'rejected ' + e.message; }); };
