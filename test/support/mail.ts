// Synthetic mail and a hand-built inbound message: workerd offers no way to construct a real
// ForwardableEmailMessage, so tests hand email() an object with the same shape.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../../src/index";

export interface MailSpec {
	from?: string;
	fromName?: string;
	to: string;
	subject?: string;
	text?: string;
	messageId?: string | null;
	inReplyTo?: string;
	references?: string[];
	extraHeaders?: string[];
}

export function buildMail(spec: MailSpec): string {
	const lines = [
		`From: ${spec.fromName ? `"${spec.fromName}" ` : ""}<${spec.from ?? "patient@example.org"}>`,
		`To: <${spec.to}>`,
		`Subject: ${spec.subject ?? "Hello"}`,
		"Date: Thu, 03 Dec 2026 10:00:00 +0000",
		...(spec.messageId === null ? [] : [`Message-ID: <${spec.messageId ?? `${crypto.randomUUID()}@example.org`}>`]),
		...(spec.inReplyTo ? [`In-Reply-To: <${spec.inReplyTo}>`] : []),
		...(spec.references ? [`References: ${spec.references.map((r) => `<${r}>`).join(" ")}`] : []),
		...(spec.extraHeaders ?? []),
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=utf-8",
		"",
		spec.text ?? "Body text.",
		"",
	];
	return lines.join("\r\n");
}

export interface FakeMessage {
	from: string;
	to: string;
	raw: ReadableStream<Uint8Array>;
	rawSize: number;
	headers: Headers;
	rejected: string | null;
	rawRead: boolean;
	setReject(reason: string): void;
	forward(): Promise<never>;
	reply(): Promise<never>;
}

export function fakeMessage(
	raw: string | Uint8Array,
	envelope: { from?: string; to: string; rawSize?: number },
): FakeMessage {
	const bytes = typeof raw === "string" ? new TextEncoder().encode(raw) : raw;
	const state = { rejected: null as string | null, rawRead: false };
	return {
		from: envelope.from ?? "patient@example.org",
		to: envelope.to,
		rawSize: envelope.rawSize ?? bytes.byteLength,
		headers: new Headers(),
		get rejected() {
			return state.rejected;
		},
		get rawRead() {
			return state.rawRead;
		},
		// A pull source: the body counts as read only when someone actually reads the stream.
		raw: new ReadableStream(
			{
				pull(controller) {
					state.rawRead = true;
					controller.enqueue(bytes);
					controller.close();
				},
			},
			{ highWaterMark: 0 },
		),
		setReject(reason) {
			state.rejected = reason;
		},
		forward: () => Promise.reject(new Error("not used")),
		reply: () => Promise.reject(new Error("not used")),
	};
}

/** Delivers through the Worker's real email() entry point. */
export async function deliver(
	raw: string | Uint8Array,
	envelope: { from?: string; to: string; rawSize?: number },
	bindings: Cloudflare.Env = env,
): Promise<FakeMessage> {
	const msg = fakeMessage(raw, envelope);
	await worker.email(msg as unknown as ForwardableEmailMessage, bindings);
	return msg;
}

export async function api(
	path: string,
	token?: string,
	init: RequestInit = {},
	bindings: Cloudflare.Env = env,
): Promise<Response> {
	const headers = new Headers(init.headers);
	if (token) headers.set("Authorization", `Bearer ${token}`);
	// Each call comes from its own client address unless a test says otherwise, so the
	// failed-authentication throttle (tested on its own) does not couple unrelated tests.
	if (!headers.has("CF-Connecting-IP"))
		headers.set("CF-Connecting-IP", `10.0.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`);
	const ctx = createExecutionContext();
	const request = new Request(`https://carepost.test${path}`, { ...init, headers }) as Request<
		unknown,
		IncomingRequestCfProperties
	>;
	const res = await worker.fetch(request, bindings, ctx);
	await waitOnExecutionContext(ctx);
	return res;
}

/** A JSON API call: `call(token, "POST", "/v1/users", { … })`. */
export async function call(token: string | undefined, method: string, path: string, body?: unknown): Promise<Response> {
	return api(path, token, {
		method,
		...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "Content-Type": "application/json" } }),
	});
}

/** A response's JSON for assertions, which index freely into whatever came back. */
// biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON shapes
export const json = async (res: Pick<Response, "json">): Promise<any> => res.json();
