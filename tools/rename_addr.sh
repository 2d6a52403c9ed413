#!/bin/bash
# One-off for issue 11 item 5: one address type in src/core/addr.h.
#
# Renames, everywhere in the tree (tracked and untracked C sources and
# Markdown), the two address types and the helpers that duplicated
# core/addr.h's, and deletes the one-line "#define old new" bridges that
# then read "#define new new". Idempotent: a second run changes nothing.
# Files it changes are passed through clang-format (renames move columns).
#
# Usage, from anywhere in the checkout: tools/rename_addr.sh
# Run it again after merging a branch written against the old names; delete
# it once `git grep -nE 'bgp_addr\b|ipam_addr\b'` finds nothing.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"

git ls-files -z --cached --others --exclude-standard -- '*.c' '*.h' '*.md' |
	grep -zv '^tools/rename_addr\.sh$' |
	perl -0 -ne '
		chomp;
		my $f = $_;
		open(my $in, "<", $f) or die "$f: $!";
		my $old = do { local $/; <$in> };
		close($in);
		my $s = $old;

		# ---- types, constants and duplicate helpers ----
		$s =~ s/\bbgp_addr_to_sockaddr\b/core_addr_to_sockaddr/g;
		$s =~ s/\bbgp_addr_from_sockaddr\b/core_addr_from_sockaddr/g;
		$s =~ s/\bbgp_addr_parse\b/core_addr_parse/g;
		$s =~ s/\bbgp_addr_equal\b/core_addr_equal/g;
		$s =~ s/\bbgp_addr\b/core_addr/g;
		$s =~ s/\bipam_addr_format\b/core_addr_format/g;
		$s =~ s/\bipam_addr_cmp\b/core_addr_cmp/g;
		$s =~ s/\bipam_addr\b(?!\.[ch]\b)/core_addr/g;   # not the file ipam/ipam_addr.c
		$s =~ s/\bIPAM_ADDR_STRLEN\b/CORE_ADDR_STRLEN/g;
		$s =~ s/\bcfg_addr_cmp\b/core_addr_cmp/g;
		$s =~ s/\bcfg_addr_eq\b/core_addr_equal/g;
		$s =~ s/\bnl_addr_cmp\b/core_addr_cmp/g;
		$s =~ s/\bnl_family_len\b/core_af_len/g;
		$s =~ s/\bbgp_family_max_len\b/core_af_bits/g;
		$s =~ s/\blb_addr_str\b/core_addr_str/g;
		# the bridges, now "#define core_x core_x /* ... */"
		$s =~ s/^#define[ \t]+(\w+)[ \t]+\1\b[^\n]*\n//mg;

		next if $s eq $old;
		open(my $out, ">", $f) or die "$f: $!";
		print $out $s;
		close($out) or die "$f: $!";
		print "$f\0";
	' |
	{ grep -z '\.[ch]$' || true; } | xargs -0 -r clang-format -i
