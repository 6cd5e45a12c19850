package config

import (
	"fmt"
	"math/big"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// maxNumberScale bounds the number literals a deployment file may hold: at
// most this many characters, and a decimal exponent within ±this. Every
// value the file can mean fits in 64 bits, and HCL (and math/big) take time
// that grows steeply with the exponent when printing such numbers: an
// unchecked `1e99999999` would stall aura-host for minutes.
const maxNumberScale = 1000

// checkNumberLiterals reports every number literal beyond maxNumberScale.
// It runs before anything evaluates an expression.
func checkNumberLiterals(src []byte, filename string) hcl.Diagnostics {
	tokens, _ := hclsyntax.LexConfig(src, filename, hcl.Pos{Line: 1, Column: 1})
	var diags hcl.Diagnostics
	for _, tok := range tokens {
		if tok.Type != hclsyntax.TokenNumberLit || numberInScale(tok.Bytes) {
			continue
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Number out of range",
			Detail:   fmt.Sprintf("Numbers in a deployment file have at most %d digits and an exponent between -%d and %d; every value a deployment takes fits in 64 bits.", maxNumberScale, maxNumberScale, maxNumberScale),
			Subject:  tok.Range.Ptr(),
		})
	}
	return diags
}

// numberInScale reports whether a number literal (digits, an optional
// fraction, an optional exponent) is within maxNumberScale.
func numberInScale(lit []byte) bool {
	if len(lit) > maxNumberScale {
		return false
	}
	for i, c := range lit {
		if c != 'e' && c != 'E' {
			continue
		}
		exp := 0
		for _, d := range lit[i+1:] {
			if d >= '0' && d <= '9' {
				exp = exp*10 + int(d-'0')
				if exp > maxNumberScale {
					return false
				}
			}
		}
	}
	return true
}

// numberText prints a number for a message, bounded in time: math/big's
// decimal conversion is slow for huge exponents, which arithmetic can still
// reach from literals in scale.
func numberText(f *big.Float) string {
	const maxBinaryExp = 3400 // about 10^1000
	switch exp := f.MantExp(nil); {
	case f.IsInf():
		return "an infinite number"
	case exp > maxBinaryExp:
		return "a number above 1e1000"
	case exp < -maxBinaryExp:
		return "a number closer to zero than 1e-1000"
	}
	return f.Text('g', 20)
}
