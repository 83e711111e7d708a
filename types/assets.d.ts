declare module '*.sql' {
  const text: string
  export default text
}
declare module '*.html' {
  const path: string
  export default path
}
declare module '*.css' {
  const path: string
  export default path
}
declare module '*/htmx.min.js' {
  const path: string
  export default path
}
declare module '*/public/admin.js' {
  const path: string
  export default path
}
declare module '*/public/chat.js' {
  const path: string
  export default path
}
declare module '*/ext/hx-sse.min.js' {
  const path: string
  export default path
}
declare module '*/public/live-log.js' {
  const path: string
  export default path
}
