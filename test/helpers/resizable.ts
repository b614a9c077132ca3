/** Resizable ArrayBuffers and growable SharedArrayBuffers (ES2024; the project's lib is ES2022). */

/** An ArrayBuffer whose byteLength can change. */
export type ResizableArrayBuffer = ArrayBuffer & { readonly resizable: boolean; resize(byteLength: number): void };

/** `new ArrayBuffer(byteLength, { maxByteLength })`. */
export function resizableArrayBuffer(byteLength: number, maxByteLength: number): ResizableArrayBuffer {
  const Ctor = ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ResizableArrayBuffer;
  return new Ctor(byteLength, { maxByteLength });
}

/** `new SharedArrayBuffer(byteLength, { maxByteLength })`. */
export function growableSharedArrayBuffer(byteLength: number, maxByteLength: number): SharedArrayBuffer {
  const Ctor = SharedArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => SharedArrayBuffer;
  return new Ctor(byteLength, { maxByteLength });
}
