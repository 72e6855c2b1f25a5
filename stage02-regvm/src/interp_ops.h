/* interp_ops.h - what each instruction does, written once, included by
 * both dispatch loops in interp.c (which define CASE and NEXT).  The
 * verifier has proved every register field inside the frame, so R(x)
 * indexes the frame with no check. */

#define R(x) fp[x]
/* The constant of an arithmetic form with a wide constant: the next word. */
#define K_NEXT ((int32_t)pc[1])

/* ANCHOR: handlers */
CASE(HALT)	goto halt;
CASE(LOADI)	R(a_of(*pc)) = sbx_of(*pc); pc++; NEXT;
CASE(LOADK)	R(a_of(*pc)) = constants[bx_of(*pc)]; pc++; NEXT;
CASE(LOADKX)	R(a_of(*pc)) = constants[pc[1]]; pc += 2; NEXT;
CASE(MOV)	R(a_of(*pc)) = R(b_of(*pc)); pc++; NEXT;
CASE(ADD)	R(a_of(*pc)) = wrap_add(R(b_of(*pc)), R(c_of(*pc))); pc++; NEXT;
CASE(SUB)	R(a_of(*pc)) = wrap_sub(R(b_of(*pc)), R(c_of(*pc))); pc++; NEXT;
CASE(MUL)	R(a_of(*pc)) = wrap_mul(R(b_of(*pc)), R(c_of(*pc))); pc++; NEXT;
CASE(DIV)	if (R(c_of(*pc)) == 0) FAULT(FAULT_DIVIDE_BY_ZERO, 0);
		R(a_of(*pc)) = checked_div(R(b_of(*pc)), R(c_of(*pc))); pc++; NEXT;
CASE(MOD)	if (R(c_of(*pc)) == 0) FAULT(FAULT_DIVIDE_BY_ZERO, 0);
		R(a_of(*pc)) = checked_mod(R(b_of(*pc)), R(c_of(*pc))); pc++; NEXT;
CASE(ADDI)	R(a_of(*pc)) = wrap_add(R(b_of(*pc)), sc_of(*pc)); pc++; NEXT;
CASE(ADDK)	R(a_of(*pc)) = wrap_add(R(b_of(*pc)), K_NEXT); pc += 2; NEXT;
CASE(MULK)	R(a_of(*pc)) = wrap_mul(R(b_of(*pc)), K_NEXT); pc += 2; NEXT;
/* The verifier refused a divk or modk by a zero constant: no check here. */
CASE(DIVK)	R(a_of(*pc)) = checked_div(R(b_of(*pc)), K_NEXT); pc += 2; NEXT;
CASE(MODK)	R(a_of(*pc)) = checked_mod(R(b_of(*pc)), K_NEXT); pc += 2; NEXT;
CASE(NEG)	R(a_of(*pc)) = wrap_sub(0, R(b_of(*pc))); pc++; NEXT;
CASE(NOT)	R(a_of(*pc)) = R(b_of(*pc)) == 0; pc++; NEXT;
CASE(EQ)	R(a_of(*pc)) = R(b_of(*pc)) == R(c_of(*pc)); pc++; NEXT;
CASE(NE)	R(a_of(*pc)) = R(b_of(*pc)) != R(c_of(*pc)); pc++; NEXT;
CASE(LT)	R(a_of(*pc)) = R(b_of(*pc)) < R(c_of(*pc)); pc++; NEXT;
CASE(LE)	R(a_of(*pc)) = R(b_of(*pc)) <= R(c_of(*pc)); pc++; NEXT;
CASE(JMP)	pc += 1 + sj_of(*pc); NEXT;
CASE(JT)	pc += R(a_of(*pc)) != 0 ? 1 + sbx_of(*pc) : 1; NEXT;
CASE(JF)	pc += R(a_of(*pc)) == 0 ? 1 + sbx_of(*pc) : 1; NEXT;
/* A compare-and-jump reads its offset from the word after it. */
CASE(JEQ)	pc += R(a_of(*pc)) == R(b_of(*pc)) ? 2 + (int32_t)pc[1] : 2; NEXT;
CASE(JNE)	pc += R(a_of(*pc)) != R(b_of(*pc)) ? 2 + (int32_t)pc[1] : 2; NEXT;
CASE(JLT)	pc += R(a_of(*pc)) < R(b_of(*pc)) ? 2 + (int32_t)pc[1] : 2; NEXT;
CASE(JLE)	pc += R(a_of(*pc)) <= R(b_of(*pc)) ? 2 + (int32_t)pc[1] : 2; NEXT;
CASE(JEQI)	pc += R(a_of(*pc)) == sbx_of(*pc) ? 2 + (int32_t)pc[1] : 2; NEXT;
CASE(JNEI)	pc += R(a_of(*pc)) != sbx_of(*pc) ? 2 + (int32_t)pc[1] : 2; NEXT;
CASE(JLTI)	pc += R(a_of(*pc)) < sbx_of(*pc) ? 2 + (int32_t)pc[1] : 2; NEXT;
CASE(JLEI)	pc += R(a_of(*pc)) <= sbx_of(*pc) ? 2 + (int32_t)pc[1] : 2; NEXT;
CASE(JGTI)	pc += R(a_of(*pc)) > sbx_of(*pc) ? 2 + (int32_t)pc[1] : 2; NEXT;
CASE(JGEI)	pc += R(a_of(*pc)) >= sbx_of(*pc) ? 2 + (int32_t)pc[1] : 2; NEXT;
CASE(JEQK)	pc += R(a_of(*pc)) == constants[bx_of(*pc)] ? 2 + (int32_t)pc[1] : 2; NEXT;
CASE(JNEK)	pc += R(a_of(*pc)) != constants[bx_of(*pc)] ? 2 + (int32_t)pc[1] : 2; NEXT;
CASE(JLTK)	pc += R(a_of(*pc)) < constants[bx_of(*pc)] ? 2 + (int32_t)pc[1] : 2; NEXT;
CASE(JLEK)	pc += R(a_of(*pc)) <= constants[bx_of(*pc)] ? 2 + (int32_t)pc[1] : 2; NEXT;
CASE(JGTK)	pc += R(a_of(*pc)) > constants[bx_of(*pc)] ? 2 + (int32_t)pc[1] : 2; NEXT;
CASE(JGEK)	pc += R(a_of(*pc)) >= constants[bx_of(*pc)] ? 2 + (int32_t)pc[1] : 2; NEXT;
CASE(GETG)	R(a_of(*pc)) = globals[bx_of(*pc)]; pc++; NEXT;
CASE(SETG)	globals[bx_of(*pc)] = R(a_of(*pc)); pc++; NEXT;
CASE(LOAD)	if ((uint64_t)R(b_of(*pc)) >= MEMORY_CELLS)
			FAULT(FAULT_MEMORY_INDEX, R(b_of(*pc)));
		R(a_of(*pc)) = memory[R(b_of(*pc))]; pc++; NEXT;
CASE(STORE)	if ((uint64_t)R(a_of(*pc)) >= MEMORY_CELLS)
			FAULT(FAULT_MEMORY_INDEX, R(a_of(*pc)));
		memory[R(a_of(*pc))] = R(b_of(*pc)); pc++; NEXT;
CASE(PRINT)	printf("%" PRId64 "\n", R(a_of(*pc))); pc++; NEXT;
CASE(PUTC)	putchar((unsigned char)R(a_of(*pc))); pc++; NEXT;
/* ANCHOR_END: handlers */
/* ANCHOR: call-return */
/* The callee's window starts at the caller's rA, where the arguments are:
 * nothing is copied.  Its result comes back in its r0, the caller's rA. */
CASE(CALL)	{
		const struct function *callee = &functions[bx_of(*pc)];
		int64_t *callee_fp = fp + a_of(*pc);

		/* Counted as registers left, as stage 1 counts cells. */
		if (depth == MAX_CALL_DEPTH)
			FAULT(FAULT_CALL_DEPTH, MAX_CALL_DEPTH);
		if (callee->register_count > registers_end - callee_fp)
			FAULT(FAULT_STACK_FULL, REGISTER_CELLS);
		frames[depth++] = (struct frame){ pc + 1, fp };
		fp = callee_fp;
		for (int64_t *r = fp + callee->arg_count; r < fp + callee->register_count; r++)
			*r = 0;
		note_call(stats, depth, callee->register_count);
		pc = code + callee->entry;
		NEXT;
	}
CASE(RET)	{
		fp[0] = R(a_of(*pc));
		if (depth == 0)
			goto halt;
		depth--;
		pc = frames[depth].return_pc;
		fp = frames[depth].fp;
		NEXT;
	}
/* ANCHOR_END: call-return */
/* BEGIN EXERCISE ex2.1 */
CASE(MIN)	R(a_of(*pc)) = R(b_of(*pc)) < R(c_of(*pc)) ? R(b_of(*pc)) : R(c_of(*pc));
		pc++; NEXT;
/* STUB ex2.1
CASE(MIN)	exercise_todo("ex2.1");
END STUB */
/* END EXERCISE ex2.1 */
/* BEGIN EXERCISE ex2.2 */
CASE(INCJLT)	R(a_of(*pc)) = wrap_add(R(a_of(*pc)), 1);
		pc += R(a_of(*pc)) < R(b_of(*pc)) ? 2 + (int32_t)pc[1] : 2; NEXT;
/* STUB ex2.2
CASE(INCJLT)	exercise_todo("ex2.2");
END STUB */
/* END EXERCISE ex2.2 */

#undef K_NEXT
#undef R
