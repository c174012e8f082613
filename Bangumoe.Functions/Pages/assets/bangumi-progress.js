// /account/bangumi while an import runs: fetches the page again every few seconds and puts the new import section in
// place of the old one (a polite live region, busy until the import ends), instead of the reload the page does
// without JavaScript. Stops when the import has finished or the page cannot be fetched.
(function () {
  'use strict';
  var section = document.getElementById('import-status');
  if (!section || section.getAttribute('data-running') !== 'true') return;
  var timer = window.setInterval(update, 3000);

  function update() {
    fetch('/account/bangumi', { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, 'text/html').getElementById('import-status');
        if (!fresh) return stop();
        if (fresh.textContent !== section.textContent) {
          section.replaceChildren.apply(section, Array.prototype.map.call(fresh.childNodes, function (node) {
            return document.importNode(node, true);
          }));
        }
        if (fresh.getAttribute('data-running') !== 'true') stop();
      })
      .catch(stop);
  }

  function stop() {
    window.clearInterval(timer);
    section.setAttribute('data-running', 'false');
    section.setAttribute('aria-busy', 'false');
  }
})();
