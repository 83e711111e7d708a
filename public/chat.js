// The panel's chat client (SPEC §3) over /ws/chat. The page's session cookie authenticates the
// socket; no token is ever visible to this script. No framework, no inline script (CSP).
(function () {
  'use strict'
  var root, messages, form, input, status, providerSel, cancelBtn
  var ws = null
  var conversation = ''
  var seq = 0
  var current = null // { id, bubble, text, thinking, tools }
  var retry = 500

  function el(tag, cls, text) {
    var e = document.createElement(tag)
    if (cls) e.className = cls
    if (text !== undefined) e.textContent = text
    return e
  }

  function setStatus(text, cls) {
    status.textContent = text
    status.className = 'badge ' + (cls || '')
  }

  function scroll() {
    messages.scrollTop = messages.scrollHeight
  }

  function bubble(role, text) {
    var b = el('div', 'msg ' + role)
    b.appendChild(el('div', 'who', role === 'user' ? 'You' : role === 'assistant' ? 'Assistant' : role))
    var body = el('div', 'text', text || '')
    b.appendChild(body)
    messages.appendChild(b)
    scroll()
    return b
  }

  function setConversation(id) {
    conversation = id || ''
    root.setAttribute('data-conversation', conversation)
    var url = new URL(location.href)
    if (conversation) url.searchParams.set('c', conversation)
    else url.searchParams.delete('c')
    history.replaceState(null, '', url)
  }

  function send(obj) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false
    ws.send(JSON.stringify(obj))
    return true
  }

  function busy(on) {
    cancelBtn.hidden = !on
    document.getElementById('chat-send').disabled = on
  }

  function onFrame(m) {
    if (m.status === 'pong') return
    if (m.request_id && m.request_id.indexOf('h') === 0) return onHistory(m)
    if (!current || m.request_id !== current.id) return
    switch (m.status) {
      case 'started':
        if (m.conversation_id) setConversation(m.conversation_id)
        break
      case 'chunk':
        if (!m.chunk) break
        if (m.chunk.type === 'text') {
          current.text.textContent += m.chunk.data
        } else if (m.chunk.type === 'thinking') {
          if (!current.thinking) {
            var d = el('details', 'thinking')
            d.appendChild(el('summary', '', 'Thinking'))
            current.thinking = el('div', '')
            d.appendChild(current.thinking)
            current.bubble.insertBefore(d, current.text)
          }
          current.thinking.textContent += m.chunk.data
        } else if (m.chunk.type === 'image') {
          var img = el('img', 'chat-image')
          img.alt = 'generated image'
          img.src = 'data:' + m.chunk.mime + ';base64,' + m.chunk.data
          current.bubble.appendChild(img)
        }
        scroll()
        break
      case 'tool_execution':
        if (m.tool) current.bubble.insertBefore(el('div', 'tool small muted', '🔧 ' + m.tool.name + ' — ' + m.tool.status), current.text)
        break
      case 'complete':
        var meta = [m.provider, m.model].filter(Boolean).join(' · ')
        if (m.usage) meta += ' · ' + m.usage.total_tokens + ' tokens'
        current.bubble.appendChild(el('div', 'meta small muted', meta))
        current.bubble.setAttribute('data-done', 'true')
        current = null
        busy(false)
        break
      case 'error':
        current.bubble.appendChild(el('div', 'error', (m.error && m.error.message) || 'failed'))
        current.bubble.setAttribute('data-done', 'true')
        current = null
        busy(false)
        break
    }
  }

  function onHistory(m) {
    if (m.status === 'error') return
    var list = m.messages || (m.history && m.history.messages) || []
    messages.textContent = ''
    list.forEach(function (msg) {
      if (msg.role === 'user' || msg.role === 'assistant') bubble(msg.role, msg.content || msg.text || '')
    })
  }

  function connect() {
    var proto = location.protocol === 'https:' ? 'wss:' : 'ws:'
    ws = new WebSocket(proto + '//' + location.host + '/ws/chat')
    setStatus('connecting…')
    ws.onopen = function () {
      retry = 500
      setStatus('connected', 'ok')
      if (conversation) {
        send({ action: 'history', request_id: 'h' + ++seq, conversation_id: conversation, limit: 100 })
        send({ action: 'subscribe', request_id: 's' + ++seq, conversation_id: conversation })
      }
    }
    ws.onmessage = function (ev) {
      var m
      try {
        m = JSON.parse(ev.data)
      } catch (e) {
        return
      }
      onFrame(m)
    }
    ws.onclose = function (ev) {
      setStatus('disconnected — retrying', 'down')
      if (current) {
        current.bubble.appendChild(el('div', 'error', 'connection lost'))
        current = null
        busy(false)
      }
      if (ev.code === 1008 && ev.reason === 'unauthorized') return
      setTimeout(connect, retry)
      retry = Math.min(retry * 2, 10000)
    }
  }

  function submit() {
    var text = input.value.trim()
    if (!text || current) return
    var id = 'r' + ++seq
    var payload = { action: 'chat', request_id: id, text: text }
    if (conversation) payload.conversation_id = conversation
    if (providerSel.value) payload.provider = providerSel.value
    if (!send(payload)) {
      setStatus('not connected', 'down')
      return
    }
    bubble('user', text)
    var b = bubble('assistant', '')
    current = { id: id, bubble: b, text: b.querySelector('.text'), thinking: null }
    input.value = ''
    busy(true)
  }

  function init() {
    root = document.getElementById('chat')
    if (!root) return
    messages = document.getElementById('messages')
    form = document.getElementById('chat-form')
    input = document.getElementById('chat-input')
    status = document.getElementById('chat-status')
    providerSel = document.getElementById('chat-provider')
    cancelBtn = document.getElementById('chat-cancel')
    conversation = root.getAttribute('data-conversation') || ''
    form.addEventListener('submit', function (e) {
      e.preventDefault()
      submit()
    })
    input.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault()
        submit()
      }
    })
    cancelBtn.addEventListener('click', function () {
      if (current) send({ action: 'cancel', request_id: current.id })
    })
    document.getElementById('chat-new').addEventListener('click', function () {
      setConversation('')
      messages.textContent = ''
      input.focus()
    })
    connect()
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init)
  else init()
})()
