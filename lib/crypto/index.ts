export { seal, open, sealJson, openJson, needsRotation, keyIdOf, DecryptionError } from "./envelope";
export { keyring, parseKeys, generateKeyEntry, resetKeyring, type Key } from "./keyring";
