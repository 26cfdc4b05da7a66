// The app's own route table, for the matrices: every served route, as "METHOD /path/:param".
import { createApp } from "../../src/app";

export interface ServedRoute {
	method: string;
	path: string;
}

export function servedRoutes(): ServedRoute[] {
	const seen = new Map<string, ServedRoute>();
	for (const r of createApp().routes) {
		if (r.method === "ALL") continue;
		seen.set(`${r.method} ${r.path}`, { method: r.method, path: r.path });
	}
	return [...seen.values()];
}

export const key = (r: ServedRoute) => `${r.method} ${r.path}`;
