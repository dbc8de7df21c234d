;; The signature probe (see signature-probe.ts): one import of each type the ABI expects.
(module
  (import "probe" "i32_to_i32" (func (param i32) (result i32)))
  (import "probe" "i32_i32_to_void" (func (param i32 i32)))
  (import "probe" "void_to_void" (func))
  (import "probe" "global_i32" (global i32)))
