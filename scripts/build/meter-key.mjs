/**
 * The project's meter key: an Ed25519 key pair with which the meter signs every module it
 * instruments, so that a module carrying a `stateroom.metered` section it did not write (made
 * by hand, or metered by another project) is refused, by the meter and by the host.
 *
 * The private key is the project's and stays out of git: `.stateroom/meter-key.pem`, made on
 * first use, or the PEM text in the environment variable STATEROOM_METER_KEY (for CI, from a
 * secret). The public key goes into the Worker: build/wasm/meter-key.wasm is an empty module
 * whose one custom section holds it, bundled like every other module (src/wasm/module-engine.ts
 * imports it). It is rewritten whenever the key changes, which also rebuilds every module.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { METER_KEY_SECTION } from "../../src/wasm/meter-contract.mjs";
import { uleb } from "./wasm-binary.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/**
 * Where the project's private key is kept when STATEROOM_METER_KEY is not set: in the project
 * (STATEROOM_PROJECT_ROOT, which the CLI sets when it meters for a project that uses the installed
 * package, so that a reinstall keeps the key), else next to this repository's build.
 */
export const KEY_FILE = join(process.env.STATEROOM_PROJECT_ROOT || ROOT, ".stateroom/meter-key.pem");
export const KEY_ENV = "STATEROOM_METER_KEY";
/** The module that carries the public key into the Worker. */
export const PUBLIC_KEY_MODULE = join(ROOT, "build/wasm/meter-key.wasm");
export const METER_KEY_FILE = fileURLToPath(import.meta.url);

const privateKey = loadPrivateKey();
const publicKey = createPublicKey(privateKey);
writePublicKeyModule();

/** The project's signature of `message`, in base64. */
export function signMessage(message) {
	return sign(null, message, privateKey).toString("base64");
}

/** Whether `signature` (base64) is the project's signature of `message`. */
export function verifyMessage(message, signature) {
	if (typeof signature !== "string") return false;
	return verify(null, message, publicKey, Buffer.from(signature, "base64"));
}

function loadPrivateKey() {
	const fromEnv = process.env[KEY_ENV];
	if (fromEnv) {
		try {
			return createPrivateKey(fromEnv);
		} catch (error) {
			throw new Error(
				`${KEY_ENV} does not hold a private key in PEM (${error.message}); set it to the text of .stateroom/meter-key.pem`,
			);
		}
	}
	if (!existsSync(KEY_FILE)) {
		const { privateKey: made } = generateKeyPairSync("ed25519");
		mkdirSync(dirname(KEY_FILE), { recursive: true });
		writeFileSync(KEY_FILE, made.export({ format: "pem", type: "pkcs8" }), { mode: 0o600 });
		chmodSync(KEY_FILE, 0o600);
	}
	return createPrivateKey(readFileSync(KEY_FILE));
}

/** Writes build/wasm/meter-key.wasm when it is missing or holds another key (an unchanged file keeps its time). */
function writePublicKeyModule() {
	// The raw key is the last 32 bytes of its SPKI encoding.
	const raw = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
	const name = new TextEncoder().encode(METER_KEY_SECTION);
	const body = [...uleb(name.length), ...name, ...raw];
	const bytes = Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x00, ...uleb(body.length), ...body]);
	if (existsSync(PUBLIC_KEY_MODULE) && readFileSync(PUBLIC_KEY_MODULE).equals(bytes)) return;
	mkdirSync(dirname(PUBLIC_KEY_MODULE), { recursive: true });
	writeFileSync(PUBLIC_KEY_MODULE, bytes);
}
