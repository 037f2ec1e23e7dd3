/**
 * A minimal ONNX writer (protobuf wire format by hand, no dependency): enough to build the project's own test
 * encoders as real ONNX graphs that onnxruntime loads. Field numbers follow onnx/onnx.proto3.
 */

/** A float or int64 tensor stored in the graph. */
export interface OnnxInitializer {
    name: string;
    dims: number[];
    /** Float32 values, or int64 values given as numbers. */
    data: Float32Array | { int64: number[] };
}

/** A graph node. */
export interface OnnxNode {
    opType: string;
    inputs: string[];
    outputs: string[];
    name?: string;
    /** Integer attributes (for example Flatten's axis, Gemm's transB). */
    intAttributes?: Record<string, number>;
    /** Float attributes (for example Gemm's alpha). */
    floatAttributes?: Record<string, number>;
}

/** A graph input or output: float32 tensor of a fixed shape. */
export interface OnnxValueInfo {
    name: string;
    shape: number[];
}

/** What {@link writeOnnxModel} writes. */
export interface OnnxGraph {
    name: string;
    inputs: OnnxValueInfo[];
    outputs: OnnxValueInfo[];
    nodes: OnnxNode[];
    initializers: OnnxInitializer[];
    /** Default opset 17. */
    opset?: number;
    /** Free text stored in the model's doc_string. */
    docString?: string;
}

class ProtoWriter {
    private readonly _chunks: Uint8Array[] = [];
    private _length = 0;

    public bytes(field: number, value: Uint8Array): this {
        this._tag(field, 2);
        this._varint(value.length);
        this._push(value);
        return this;
    }

    public string(field: number, value: string): this {
        return this.bytes(field, new TextEncoder().encode(value));
    }

    public message(field: number, writer: ProtoWriter): this {
        return this.bytes(field, writer.finish());
    }

    public int(field: number, value: number): this {
        this._tag(field, 0);
        this._varint(value);
        return this;
    }

    public float(field: number, value: number): this {
        this._tag(field, 5);
        const bytes = new Uint8Array(4);
        new DataView(bytes.buffer).setFloat32(0, value, true);
        this._push(bytes);
        return this;
    }

    public finish(): Uint8Array {
        const out = new Uint8Array(this._length);
        let at = 0;
        for (const chunk of this._chunks) {
            out.set(chunk, at);
            at += chunk.length;
        }
        return out;
    }

    private _tag(field: number, wireType: number): void {
        this._varint(field * 8 + wireType);
    }

    private _varint(value: number): void {
        // Non-negative integers up to 2^53; negative int64 values use ten bytes (two's complement).
        let v = BigInt.asUintN(64, BigInt(value));
        const bytes: number[] = [];
        do {
            let byte = Number(v & 0x7fn);
            v >>= 7n;
            if (v !== 0n) {
                byte |= 0x80;
            }
            bytes.push(byte);
        } while (v !== 0n);
        this._push(Uint8Array.from(bytes));
    }

    private _push(bytes: Uint8Array): void {
        this._chunks.push(bytes);
        this._length += bytes.length;
    }
}

function tensorProto(init: OnnxInitializer): ProtoWriter {
    const w = new ProtoWriter();
    for (const d of init.dims) {
        w.int(1, d);
    }
    if (init.data instanceof Float32Array) {
        w.int(2, 1); // FLOAT
        w.string(8, init.name);
        w.bytes(9, new Uint8Array(init.data.buffer, init.data.byteOffset, init.data.byteLength));
    } else {
        w.int(2, 7); // INT64
        w.string(8, init.name);
        const raw = new Uint8Array(init.data.int64.length * 8);
        const view = new DataView(raw.buffer);
        init.data.int64.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
        w.bytes(9, raw);
    }
    return w;
}

function valueInfo(info: OnnxValueInfo): ProtoWriter {
    const shape = new ProtoWriter();
    for (const d of info.shape) {
        shape.message(1, new ProtoWriter().int(1, d));
    }
    const tensorType = new ProtoWriter().int(1, 1).message(2, shape);
    return new ProtoWriter().string(1, info.name).message(2, new ProtoWriter().message(1, tensorType));
}

function nodeProto(node: OnnxNode): ProtoWriter {
    const w = new ProtoWriter();
    node.inputs.forEach((i) => w.string(1, i));
    node.outputs.forEach((o) => w.string(2, o));
    w.string(3, node.name ?? `${node.opType}_${node.outputs[0]}`);
    w.string(4, node.opType);
    for (const [name, value] of Object.entries(node.intAttributes ?? {})) {
        w.message(5, new ProtoWriter().string(1, name).int(3, value).int(20, 2)); // INT
    }
    for (const [name, value] of Object.entries(node.floatAttributes ?? {})) {
        w.message(5, new ProtoWriter().string(1, name).float(2, value).int(20, 1)); // FLOAT
    }
    return w;
}

/**
 * Serialises a graph as an ONNX ModelProto (IR version 8).
 * @param graph nodes, initializers, inputs and outputs
 * @returns the `.onnx` bytes
 */
export function writeOnnxModel(graph: OnnxGraph): Uint8Array {
    const g = new ProtoWriter();
    graph.nodes.forEach((n) => g.message(1, nodeProto(n)));
    g.string(2, graph.name);
    graph.initializers.forEach((i) => g.message(5, tensorProto(i)));
    graph.inputs.forEach((i) => g.message(11, valueInfo(i)));
    graph.outputs.forEach((o) => g.message(12, valueInfo(o)));
    const model = new ProtoWriter();
    model.int(1, 8); // ir_version
    model.string(2, "babylon-gem-avatars");
    model.string(3, "1");
    if (graph.docString) {
        model.string(6, graph.docString);
    }
    model.message(7, g);
    model.message(8, new ProtoWriter().string(1, "").int(2, graph.opset ?? 17));
    return model.finish();
}
