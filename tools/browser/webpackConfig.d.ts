declare module "*/webpack.config.js" {
    const config: (env: Record<string, string>, argv: Record<string, string>) => import("webpack").Configuration;
    export default config;
}
