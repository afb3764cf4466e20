/**
 * ONNX files through protobufjs and the official schema (onnx.proto, vendored unchanged from the
 * ONNX repository, Apache-2.0): encode and decode ModelProto, plus small typed builders for the
 * subset tritforge writes and reads (graphs, nodes, attributes, initializers as raw little-endian
 * data). The writer (export) and the reader (import) share this one schema.
 */
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";
import { TritforgeError } from "../util/errors.js";

const root = protobuf.loadSync(fileURLToPath(new URL("./onnx.proto", import.meta.url)));
const ModelProto = root.lookupType("onnx.ModelProto");

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, DOUBLE: 11 } as const;
/** AttributeProto.AttributeType values used here. */
export const AttrType = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;

export interface OnnxTensor {
  name?: string;
  dims?: number[];
  dataType?: number;
  rawData?: Uint8Array;
  floatData?: number[];
  int32Data?: number[];
  int64Data?: number[];
  doubleData?: number[];
}

export interface OnnxAttribute {
  name: string;
  type?: number;
  i?: number;
  f?: number;
  s?: Uint8Array;
  ints?: number[];
  t?: OnnxTensor;
}

export interface OnnxNode {
  name?: string;
  opType: string;
  domain?: string;
  input: string[];
  output: string[];
  attribute?: OnnxAttribute[];
}

export interface OnnxDim {
  dimValue?: number;
  dimParam?: string;
}

export interface OnnxValueInfo {
  name: string;
  type?: { tensorType?: { elemType?: number; shape?: { dim?: OnnxDim[] } } };
}

export interface OnnxGraph {
  name?: string;
  node?: OnnxNode[];
  initializer?: OnnxTensor[];
  input?: OnnxValueInfo[];
  output?: OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion?: number;
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  opsetImport?: Array<{ domain?: string; version?: number }>;
  graph?: OnnxGraph;
}

/** ONNX IR version 8 with default-domain opset 17: every operator used here exists there. */
export const IR_VERSION = 8;
export const OPSET = 17;

export function encodeModel(model: OnnxModel): Uint8Array {
  const problem = ModelProto.verify(model);
  if (problem) throw new Error(`ONNX model does not match onnx.proto: ${problem}`);
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

/** Decodes an ONNX file; one-line error naming the source when it is not a ModelProto. */
export function decodeModel(buf: Uint8Array, source: string): OnnxModel {
  let message;
  try {
    message = ModelProto.decode(buf);
  } catch (err) {
    throw new TritforgeError(`${source}: not an ONNX model (${(err as Error).message.split("\n")[0]})`);
  }
  const model = ModelProto.toObject(message, { longs: Number, bytes: Uint8Array, arrays: true, defaults: false }) as OnnxModel;
  if (!model.graph) throw new TritforgeError(`${source}: not an ONNX model (no graph)`);
  return model;
}

// ---- builders ----

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();

export const int8Tensor = (name: string, dims: number[], data: Int8Array): OnnxTensor => ({ name, dims, dataType: DataType.INT8, rawData: bytesOf(data) });
export const uint8Tensor = (name: string, dims: number[], data: Uint8Array): OnnxTensor => ({ name, dims, dataType: DataType.UINT8, rawData: data.slice() });
export const int64Tensor = (name: string, dims: number[], data: readonly number[]): OnnxTensor => ({
  name,
  dims,
  dataType: DataType.INT64,
  rawData: bytesOf(BigInt64Array.from(data, (v) => BigInt(v))),
});
export const floatTensor = (name: string, dims: number[], data: Float32Array): OnnxTensor => ({ name, dims, dataType: DataType.FLOAT, rawData: bytesOf(data) });

export const intAttr = (name: string, i: number): OnnxAttribute => ({ name, type: AttrType.INT, i });
export const intsAttr = (name: string, ints: number[]): OnnxAttribute => ({ name, type: AttrType.INTS, ints });
export const floatAttr = (name: string, f: number): OnnxAttribute => ({ name, type: AttrType.FLOAT, f });

/** A tensor value description; string dims are symbolic (e.g. the batch size "N"). */
export const valueInfo = (name: string, elemType: number, dims: Array<number | string>): OnnxValueInfo => ({
  name,
  type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d })) } } },
});

/** The values of an initializer as numbers (raw little-endian data or the typed repeated fields). */
export function tensorValues(t: OnnxTensor, where: string): Float64Array {
  const n = (t.dims ?? []).reduce((a, b) => a * b, 1);
  const raw = t.rawData;
  let out: Float64Array;
  if (raw && raw.length) {
    const buf = Uint8Array.from(raw).buffer; // a copy: decoded bytes may be a Buffer view into a larger pool
    switch (t.dataType) {
      case DataType.FLOAT:
        out = Float64Array.from(new Float32Array(buf));
        break;
      case DataType.DOUBLE:
        out = new Float64Array(buf);
        break;
      case DataType.INT64:
        out = Float64Array.from(new BigInt64Array(buf), Number);
        break;
      case DataType.INT32:
        out = Float64Array.from(new Int32Array(buf));
        break;
      case DataType.INT8:
        out = Float64Array.from(new Int8Array(buf));
        break;
      case DataType.UINT8:
        out = Float64Array.from(new Uint8Array(buf));
        break;
      default:
        throw new TritforgeError(`${where}: tensor "${t.name ?? ""}" has data type ${t.dataType}, which tritforge does not read`);
    }
  } else out = Float64Array.from(t.floatData ?? t.doubleData ?? t.int64Data ?? t.int32Data ?? []);
  if (out.length !== n) throw new TritforgeError(`${where}: tensor "${t.name ?? ""}" holds ${out.length} values for dimensions [${(t.dims ?? []).join(", ")}]`);
  return out;
}
