// Placeholder replaced by the proto codegen.
