// The devtools page only registers the panel; it lives as long as the DevTools window.
import browser from 'webextension-polyfill';

void browser.devtools.panels.create('WebSockets', '/icons/icon-32.png', '/panel/index.html');
