/* interp_ops.h - what each instruction does, written once.
 *
 * interp.c includes this file twice: inside a switch statement and as the
 * labels of a computed-goto loop.  Each includer defines
 *   CASE(name)  how a handler starts
 *   NEXT        how it goes on to the next instruction
 * The verifier has already proved every pop has a value beneath it and every
 * push has room above it, so the handlers touch sp without a single check.
 */

/* ANCHOR: handlers */
CASE(HALT)	goto halt;
CASE(PUSH)	*sp++ = (int64_t)le_get64(pc + 1); pc += 9; NEXT;
CASE(DROP)	sp--; pc++; NEXT;
CASE(DUP)	sp[0] = sp[-1]; sp++; pc++; NEXT;
CASE(SWAP)	{ int64_t t = sp[-1]; sp[-1] = sp[-2]; sp[-2] = t; } pc++; NEXT;
CASE(OVER)	sp[0] = sp[-2]; sp++; pc++; NEXT;
CASE(ADD)	sp[-2] = wrap_add(sp[-2], sp[-1]); sp--; pc++; NEXT;
CASE(SUB)	sp[-2] = wrap_sub(sp[-2], sp[-1]); sp--; pc++; NEXT;
CASE(MUL)	sp[-2] = wrap_mul(sp[-2], sp[-1]); sp--; pc++; NEXT;
CASE(DIV)	if (sp[-1] == 0) FAULT(FAULT_DIVIDE_BY_ZERO, 0);
		sp[-2] = checked_div(sp[-2], sp[-1]); sp--; pc++; NEXT;
CASE(MOD)	if (sp[-1] == 0) FAULT(FAULT_DIVIDE_BY_ZERO, 0);
		sp[-2] = checked_mod(sp[-2], sp[-1]); sp--; pc++; NEXT;
CASE(NEG)	sp[-1] = wrap_sub(0, sp[-1]); pc++; NEXT;
CASE(NOT)	sp[-1] = sp[-1] == 0; pc++; NEXT;
CASE(EQ)	sp[-2] = sp[-2] == sp[-1]; sp--; pc++; NEXT;
CASE(NE)	sp[-2] = sp[-2] != sp[-1]; sp--; pc++; NEXT;
CASE(LT)	sp[-2] = sp[-2] < sp[-1]; sp--; pc++; NEXT;
CASE(LE)	sp[-2] = sp[-2] <= sp[-1]; sp--; pc++; NEXT;
CASE(GT)	sp[-2] = sp[-2] > sp[-1]; sp--; pc++; NEXT;
CASE(GE)	sp[-2] = sp[-2] >= sp[-1]; sp--; pc++; NEXT;
CASE(JMP)	pc = code + le_get32(pc + 1); NEXT;
CASE(JZ)	pc = *--sp == 0 ? code + le_get32(pc + 1) : pc + 5; NEXT;
CASE(JNZ)	pc = *--sp != 0 ? code + le_get32(pc + 1) : pc + 5; NEXT;
CASE(LOADL)	*sp++ = fp[pc[1]]; pc += 2; NEXT;
CASE(STOREL)	fp[pc[1]] = *--sp; pc += 2; NEXT;
CASE(LOADG)	*sp++ = globals[le_get16(pc + 1)]; pc += 3; NEXT;
CASE(STOREG)	globals[le_get16(pc + 1)] = *--sp; pc += 3; NEXT;
CASE(LOAD)	if ((uint64_t)sp[-1] >= MEMORY_CELLS)
			FAULT(FAULT_MEMORY_INDEX, sp[-1]);
		sp[-1] = memory[sp[-1]]; pc++; NEXT;
CASE(STORE)	if ((uint64_t)sp[-2] >= MEMORY_CELLS)
			FAULT(FAULT_MEMORY_INDEX, sp[-2]);
		memory[sp[-2]] = sp[-1]; sp -= 2; pc++; NEXT;
CASE(PRINT)	printf("%" PRId64 "\n", *--sp); pc++; NEXT;
CASE(PUTC)	putchar((unsigned char)*--sp); pc++; NEXT;
/* ANCHOR_END: handlers */
/* ANCHOR: call-return */
CASE(CALL)	{
		const struct function *callee = &functions[le_get16(pc + 1)];
		int64_t *callee_fp = sp - callee->arg_count;

		/* The one stack check of a call covers the whole callee.  It
		 * counts the cells left rather than adding to callee_fp: a
		 * pointer more than one past the end of the array is undefined
		 * in C, even one never used. */
		if (depth == MAX_CALL_DEPTH)
			FAULT(FAULT_CALL_DEPTH, MAX_CALL_DEPTH);
		if (callee->local_count + callee->max_stack > stack_end - callee_fp)
			FAULT(FAULT_STACK_FULL, STACK_CELLS);
		frames[depth++] = (struct frame){ pc + 3, fp, fn };
		fp = callee_fp;
		fn = callee;
		for (sp = fp + fn->arg_count; sp < fp + fn->local_count; sp++)
			*sp = 0;
		note_call(stats, depth, sp + fn->max_stack - stack);
		pc = code + fn->entry;
		NEXT;
	}
CASE(RET)	{
		int64_t result = sp[-1];

		if (depth == 0)
			goto halt;
		sp = fp;
		*sp++ = result;
		depth--;
		pc = frames[depth].return_pc;
		fp = frames[depth].fp;
		fn = frames[depth].fn;
		NEXT;
	}
/* ANCHOR_END: call-return */
/* ANCHOR: loop-instructions */
CASE(JEQ)	sp -= 2; pc = sp[0] == sp[1] ? code + le_get32(pc + 1) : pc + 5; NEXT;
CASE(JNE)	sp -= 2; pc = sp[0] != sp[1] ? code + le_get32(pc + 1) : pc + 5; NEXT;
CASE(JLT)	sp -= 2; pc = sp[0] < sp[1] ? code + le_get32(pc + 1) : pc + 5; NEXT;
CASE(JLE)	sp -= 2; pc = sp[0] <= sp[1] ? code + le_get32(pc + 1) : pc + 5; NEXT;
CASE(JGT)	sp -= 2; pc = sp[0] > sp[1] ? code + le_get32(pc + 1) : pc + 5; NEXT;
CASE(JGE)	sp -= 2; pc = sp[0] >= sp[1] ? code + le_get32(pc + 1) : pc + 5; NEXT;
CASE(INCL)	fp[pc[1]] = wrap_add(fp[pc[1]], (int8_t)pc[2]); pc += 3; NEXT;
/* ANCHOR_END: loop-instructions */
/* ANCHOR: superinstructions */
CASE(LOADLL)	sp[0] = fp[pc[1]]; sp[1] = fp[pc[2]]; sp += 2; pc += 3; NEXT;
CASE(LOADLK)	sp[0] = fp[pc[1]]; sp[1] = (int64_t)le_get64(pc + 2); sp += 2; pc += 10; NEXT;
CASE(LOADGK)	sp[0] = globals[le_get16(pc + 1)]; sp[1] = (int64_t)le_get64(pc + 3);
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
CASE(ABS)	if (sp[-1] < 0)
			sp[-1] = wrap_sub(0, sp[-1]);
		pc++; NEXT;
/* STUB ex1.1
CASE(ABS)	exercise_todo("ex1.1");
END STUB */
/* END EXERCISE ex1.1 */
