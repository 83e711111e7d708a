// The live log page: keeps the tail bounded (the stream never ends) and follows new lines while
// the reader is at the bottom. A file, not inline script (CSP).
(function () {
  'use strict'
  var MAX = 1000
  function init() {
    var log = document.getElementById('log')
    if (!log) return
    var follow = true
    log.addEventListener('scroll', function () {
      follow = log.scrollTop + log.clientHeight >= log.scrollHeight - 40
    })
    new MutationObserver(function () {
      while (log.childElementCount > MAX) log.removeChild(log.firstElementChild)
      if (follow) log.scrollTop = log.scrollHeight
    }).observe(log, { childList: true })
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init)
  else init()
})()
