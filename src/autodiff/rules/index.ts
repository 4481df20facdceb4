/** The rule table: one entry per supported ONNX operator (forward beside its gradient). */
import type { OpRule } from '../rule.js';
import { CONV_RULES } from './conv.js';
import { ELEMENTWISE_RULES } from './elementwise.js';
import { ERF_RULES } from './erf.js';
import { MATRIX_RULES } from './matrix.js';
import { NORMALIZATION_RULES } from './normalization.js';
import { POOL_RULES } from './pool.js';
import { REDUCE_RULES } from './reduce.js';
import { SHAPE_RULES } from './shape.js';
import { SLICING_RULES } from './slicing.js';

export const RULES: Readonly<Record<string, OpRule>> = {
  ...ELEMENTWISE_RULES, ...MATRIX_RULES, ...CONV_RULES, ...POOL_RULES, ...REDUCE_RULES, ...SHAPE_RULES,
  ...SLICING_RULES, ...ERF_RULES, ...NORMALIZATION_RULES,
};

/** Operators `make-trainable` can differentiate (shape-only ops such as Shape and Gather are carried, not differentiated). */
export const DIFFERENTIABLE_OPS: readonly string[] = Object.keys(RULES).filter((op) => RULES[op].backward).sort();
