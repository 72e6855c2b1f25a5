/* interp_ops.h - what each instruction does, written once.
 *
 * interp.c includes this file twice: inside a switch statement and as the
 * labels of a computed-goto loop.  Each includer defines
 *   CASE(name)  how a handler starts
 *   NEXT        how it goes on to the next instruction
 * The top of the operand stack is in the variable tos, the values under it
 * in memory below sp: sp[-1] is the second (stack caching, LOOP_STATE in
 * interp.c).  The verifier has already proved every pop has a value beneath
 * it and every push has room above it, so the handlers touch sp without a
 * single check.
 */

/* ANCHOR: handlers */
CASE(HALT)	goto halt;
CASE(PUSH)	*sp++ = tos; tos = (int64_t)le_get64(pc + 1); pc += 9; NEXT;
CASE(DROP)	tos = *--sp; pc++; NEXT;
CASE(DUP)	*sp++ = tos; pc++; NEXT;
CASE(SWAP)	{ int64_t t = sp[-1]; sp[-1] = tos; tos = t; } pc++; NEXT;
CASE(OVER)	sp[0] = tos; tos = sp[-1]; sp++; pc++; NEXT;
CASE(ADD)	tos = wrap_add(*--sp, tos); pc++; NEXT;
CASE(SUB)	tos = wrap_sub(*--sp, tos); pc++; NEXT;
CASE(MUL)	tos = wrap_mul(*--sp, tos); pc++; NEXT;
CASE(DIV)	if (tos == 0) FAULT(FAULT_DIVIDE_BY_ZERO, 0);
		tos = checked_div(*--sp, tos); pc++; NEXT;
CASE(MOD)	if (tos == 0) FAULT(FAULT_DIVIDE_BY_ZERO, 0);
		tos = checked_mod(*--sp, tos); pc++; NEXT;
CASE(NEG)	tos = wrap_sub(0, tos); pc++; NEXT;
CASE(NOT)	tos = tos == 0; pc++; NEXT;
CASE(EQ)	tos = *--sp == tos; pc++; NEXT;
CASE(NE)	tos = *--sp != tos; pc++; NEXT;
CASE(LT)	tos = *--sp < tos; pc++; NEXT;
CASE(LE)	tos = *--sp <= tos; pc++; NEXT;
CASE(GT)	tos = *--sp > tos; pc++; NEXT;
CASE(GE)	tos = *--sp >= tos; pc++; NEXT;
CASE(JMP)	pc = code + le_get32(pc + 1); NEXT;
CASE(JZ)	pc = tos == 0 ? code + le_get32(pc + 1) : pc + 5; tos = *--sp; NEXT;
CASE(JNZ)	pc = tos != 0 ? code + le_get32(pc + 1) : pc + 5; tos = *--sp; NEXT;
CASE(LOADL)	*sp++ = tos; tos = fp[pc[1]]; pc += 2; NEXT;
CASE(STOREL)	fp[pc[1]] = tos; tos = *--sp; pc += 2; NEXT;
CASE(LOADG)	*sp++ = tos; tos = globals[le_get16(pc + 1)]; pc += 3; NEXT;
CASE(STOREG)	globals[le_get16(pc + 1)] = tos; tos = *--sp; pc += 3; NEXT;
CASE(LOAD)	if ((uint64_t)tos >= MEMORY_CELLS)
			FAULT(FAULT_MEMORY_INDEX, tos);
		tos = memory[tos]; pc++; NEXT;
CASE(STORE)	if ((uint64_t)sp[-1] >= MEMORY_CELLS)
			FAULT(FAULT_MEMORY_INDEX, sp[-1]);
		memory[sp[-1]] = tos; tos = sp[-2]; sp -= 2; pc++; NEXT;
CASE(PRINT)	printf("%" PRId64 "\n", tos); tos = *--sp; pc++; NEXT;
CASE(PUTC)	putchar((unsigned char)tos); tos = *--sp; pc++; NEXT;
/* ANCHOR_END: handlers */
/* ANCHOR: call-return */
CASE(CALL)	{
		const struct function *callee = &functions[le_get16(pc + 1)];
		int64_t *callee_fp;

		*sp++ = tos;            /* the last argument, or the caller's top */
		callee_fp = sp - callee->arg_count;
		/* The one stack check of a call covers the whole callee.  The
		 * depth + 1 frames below it hold a dummy cell each, which the
		 * limit does not count. */
		if (depth == MAX_CALL_DEPTH ||
		    callee_fp + callee->local_count + callee->max_stack > stack_end + depth + 1)
			FAULT(FAULT_CALL_DEPTH, MAX_CALL_DEPTH);
		frames[depth++] = (struct frame){ pc + 3, fp, fn };
		fp = callee_fp;
		fn = callee;
		for (sp = fp + fn->arg_count; sp < fp + fn->local_count; sp++)
			*sp = 0;
		note_call(stats, depth, sp - depth + fn->max_stack - stack);
		pc = code + fn->entry;
		NEXT;
	}
CASE(RET)	if (depth == 0)
			goto halt;
		sp = fp;                /* the result stays in tos */
		depth--;
		pc = frames[depth].return_pc;
		fp = frames[depth].fp;
		fn = frames[depth].fn;
		NEXT;
/* ANCHOR_END: call-return */
/* ANCHOR: loop-instructions */
CASE(JEQ)	pc = sp[-1] == tos ? code + le_get32(pc + 1) : pc + 5;
		tos = sp[-2]; sp -= 2; NEXT;
CASE(JNE)	pc = sp[-1] != tos ? code + le_get32(pc + 1) : pc + 5;
		tos = sp[-2]; sp -= 2; NEXT;
CASE(JLT)	pc = sp[-1] < tos ? code + le_get32(pc + 1) : pc + 5;
		tos = sp[-2]; sp -= 2; NEXT;
CASE(JLE)	pc = sp[-1] <= tos ? code + le_get32(pc + 1) : pc + 5;
		tos = sp[-2]; sp -= 2; NEXT;
CASE(JGT)	pc = sp[-1] > tos ? code + le_get32(pc + 1) : pc + 5;
		tos = sp[-2]; sp -= 2; NEXT;
CASE(JGE)	pc = sp[-1] >= tos ? code + le_get32(pc + 1) : pc + 5;
		tos = sp[-2]; sp -= 2; NEXT;
CASE(INCL)	fp[pc[1]] = wrap_add(fp[pc[1]], (int8_t)pc[2]); pc += 3; NEXT;
/* ANCHOR_END: loop-instructions */
/* ANCHOR: superinstructions */
CASE(LOADLL)	sp[0] = tos; sp[1] = fp[pc[1]]; tos = fp[pc[2]]; sp += 2; pc += 3; NEXT;
CASE(LOADLK)	sp[0] = tos; sp[1] = fp[pc[1]]; tos = (int64_t)le_get64(pc + 2);
		sp += 2; pc += 10; NEXT;
CASE(LOADGK)	sp[0] = tos; sp[1] = globals[le_get16(pc + 1)]; tos = (int64_t)le_get64(pc + 3);
		sp += 2; pc += 11; NEXT;
CASE(JEQLL)	pc = fp[pc[1]] == fp[pc[2]] ? code + le_get32(pc + 3) : pc + 7; NEXT;
CASE(JNELL)	pc = fp[pc[1]] != fp[pc[2]] ? code + le_get32(pc + 3) : pc + 7; NEXT;
CASE(JLTLL)	pc = fp[pc[1]] < fp[pc[2]] ? code + le_get32(pc + 3) : pc + 7; NEXT;
CASE(JLELL)	pc = fp[pc[1]] <= fp[pc[2]] ? code + le_get32(pc + 3) : pc + 7; NEXT;
CASE(JGTLL)	pc = fp[pc[1]] > fp[pc[2]] ? code + le_get32(pc + 3) : pc + 7; NEXT;
CASE(JGELL)	pc = fp[pc[1]] >= fp[pc[2]] ? code + le_get32(pc + 3) : pc + 7; NEXT;
CASE(JEQLK)	pc = fp[pc[1]] == (int64_t)le_get64(pc + 2) ?
		     code + le_get32(pc + 10) : pc + 14; NEXT;
CASE(JNELK)	pc = fp[pc[1]] != (int64_t)le_get64(pc + 2) ?
		     code + le_get32(pc + 10) : pc + 14; NEXT;
CASE(JLTLK)	pc = fp[pc[1]] < (int64_t)le_get64(pc + 2) ?
		     code + le_get32(pc + 10) : pc + 14; NEXT;
CASE(JLELK)	pc = fp[pc[1]] <= (int64_t)le_get64(pc + 2) ?
		     code + le_get32(pc + 10) : pc + 14; NEXT;
CASE(JGTLK)	pc = fp[pc[1]] > (int64_t)le_get64(pc + 2) ?
		     code + le_get32(pc + 10) : pc + 14; NEXT;
CASE(JGELK)	pc = fp[pc[1]] >= (int64_t)le_get64(pc + 2) ?
		     code + le_get32(pc + 10) : pc + 14; NEXT;
/* ANCHOR_END: superinstructions */
/* BEGIN EXERCISE ex1.1 */
CASE(ABS)	if (tos < 0)
			tos = wrap_sub(0, tos);
		pc++; NEXT;
/* STUB ex1.1
CASE(ABS)	exercise_todo("ex1.1");
END STUB */
/* END EXERCISE ex1.1 */
