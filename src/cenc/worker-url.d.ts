// Vite's "?worker&url" import: the URL of the bundled worker (https://vite.dev/guide/features#web-workers).
declare module '*?worker&url' {
  const url: string;
  export default url;
}
