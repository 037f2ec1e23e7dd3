declare module "*/webpack.config.js" {
    const config: (env: Record<string, string>, argv: Record<string, string>) => import("webpack").Configuration;
    export default config;
}

declare module "*/webpack.umd.config.js" {
    import type { Configuration } from "webpack";
    /** The script-tag build's webpack configuration factory. */
    export default function config(env?: Record<string, string>, argv?: Record<string, string>): Configuration;
}
