// Sends the session's CSRF token with every htmx request. A file, not an inline script: the
// Content-Security-Policy allows scripts from this origin's files only.
(function () {
  function token() {
    var meta = document.querySelector('meta[name="csrf-token"]')
    return meta ? meta.getAttribute('content') : null
  }
  // htmx 4
  document.addEventListener('htmx:config:request', function (e) {
    var t = token()
    if (t && e.detail && e.detail.ctx && e.detail.ctx.request) e.detail.ctx.request.headers['X-CSRF-Token'] = t
  })
  // htmx 2, should the panel ever load it
  document.addEventListener('htmx:configRequest', function (e) {
    var t = token()
    if (t && e.detail && e.detail.headers) e.detail.headers['X-CSRF-Token'] = t
  })
})()
