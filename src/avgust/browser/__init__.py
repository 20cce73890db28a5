"""Stage 7, the in-browser search: the exported data, the ONNX model, the runtime and the JS."""
