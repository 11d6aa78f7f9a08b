package rules

// A Set evaluates thousands of candidate rules per second, each of them
// cold in the CPU cache. Walking a tree of matcher objects spread over the
// heap costs a cache miss at almost every step, so for deciding whether a
// rule matches, each rule is also laid out as a flat program in one array:
// its boolean structure and simple word terms are checked without leaving
// a few cache lines. Phrases, NEAR, regexps, domain: and lang: run their
// matcher, after a quick check where one is possible. Explanations, needed
// only for rules that match, walk the matcher tree.

type opcode uint8

const (
	opWord opcode = iota // term occurs in one of fields
	opAnd                // every operand (the instructions up to end)
	opOr                 // some operand
	opNot                // not the operand
	opSlow               // slow.match, if term (when >= 0) occurs in fields
)

// instr is one instruction of a rule program. Operands follow their
// operator; end is the index just past an instruction's operands, so a
// false operand of an AND can be skipped over.
type instr struct {
	op     opcode
	fields fieldMask
	term   int32 // opWord: the term; opSlow: a term it needs, or -1
	end    int32
	slow   matcher
}

// program is the flat form of one rule, a slice of Set.code.
type program []instr

// appendProgram appends the flat form of m to code.
func appendProgram(code []instr, m matcher) []instr {
	at := len(code)
	switch m := m.(type) {
	case *allOf:
		code = append(code, instr{op: opAnd})
		for _, k := range m.kids {
			code = appendProgram(code, k)
		}
	case *anyOf:
		code = append(code, instr{op: opOr})
		for _, k := range m.kids {
			code = appendProgram(code, k)
		}
	case *noneOf:
		code = append(code, instr{op: opNot})
		code = appendProgram(code, m.kid)
	case *termMatch:
		if len(m.elems) == 1 {
			code = append(code, instr{op: opWord, fields: m.fields, term: m.elems[0].id})
			break
		}
		// A phrase needs each element; check the rarest first.
		rarest := requirements(m)[0].terms[0]
		code = append(code, instr{op: opSlow, fields: m.fields, term: rarest.id, slow: m})
	default:
		code = append(code, instr{op: opSlow, term: -1, slow: m})
	}
	code[at].end = int32(len(code))
	return code
}

// run evaluates the instruction at i and its operands.
func (p program) run(i int32, sc *scratch, e *evaluation) bool {
	in := &p[i]
	switch in.op {
	case opWord:
		return sc.occursIn(in.term, in.fields)
	case opAnd:
		for j := i + 1; j < in.end; j = p[j].end {
			if !p.run(j, sc, e) {
				return false
			}
		}
		return true
	case opOr:
		for j := i + 1; j < in.end; j = p[j].end {
			if p.run(j, sc, e) {
				return true
			}
		}
		return false
	case opNot:
		return !p.run(i+1, sc, e)
	}
	if in.term >= 0 && !sc.occursIn(in.term, in.fields) {
		return false
	}
	return in.slow.match(e)
}
