#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
#
# mkman.pl: the section 3 man pages of libcryoctl, from its header.
#
#   mkman.pl --header cryoctl.h --map libcryoctl.map --template libcryoctl.3.in
#            --version 1.3.0 --out DIR
#
# Writes DIR/<function>.3 for every function of cryoctl.h, from its
# kernel-doc comment, and DIR/libcryoctl.3 from the template, whose line
# @FUNCTIONS@ becomes the list of functions (grouped by the header's
# section comments, with their summaries and symbol versions) and whose
# @VERSION@ becomes the version.  Writes nothing and fails when the
# header and the map disagree: a function declared without a kernel-doc
# comment, a parameter not documented, a documented function the map does
# not export, or an exported symbol the header does not declare.
#
# Only Perl's core is used (perl-base).

use strict;
use warnings;

my %opt;
while (@ARGV) {
	my $k = shift @ARGV;
	$k =~ /^--(header|map|template|version|out)$/ && @ARGV or die "usage: $0 --header H --map M --template T --version V --out DIR\n";
	$opt{$1} = shift @ARGV;
}
for (qw(header map template version out)) {
	defined $opt{$_} or die "mkman: --$_ missing\n";
}

my @errors;
sub problem { push @errors, "$opt{header}: @_"; }

# ---- parse the header ---------------------------------------------------
#
# Top-level items, in order: kernel-doc comments (/** ... */) with the
# declaration that follows them, plain comments (/* ... */) and code.

open my $hfh, '<', $opt{header} or die "mkman: $opt{header}: $!\n";
my @lines = <$hfh>;
close $hfh;
chomp @lines;

my @funcs;		# { name, summary, params => [[name, text]], body => [lines], decl, line, section }
my %structs;		# name => { summary, members => [[name, text]], decl }
my @macros;		# [name, summary]
my @sections;		# { title, body => [lines] }; $sections[0] is the file's introduction
my @decls;		# [text, line] of every top-level declaration, documented or not

sub comment_lines {
	my ($i) = @_;	# index of the line that opens the comment
	my @c;
	my $first = $lines[$i];
	$first =~ s{^\s*/\*\*?}{};
	if ($first =~ s{\s*\*/\s*$}{}) {
		$first =~ s/^\s+//;
		return ([$first], $i + 1);
	}
	push @c, $first if $first =~ /\S/;
	for ($i++; $i < @lines; $i++) {
		my $l = $lines[$i];
		last if $l =~ m{^\s*\*/\s*$};
		$l =~ s{^\s*\* ?}{};
		$l =~ s{\s+$}{};
		push @c, $l;
	}
	return (\@c, $i + 1);
}

# A declaration: lines up to a ';' outside braces (or one #define line).
sub declaration {
	my ($i) = @_;
	$i++ while $i < @lines && $lines[$i] =~ /^\s*$/;
	return ('', $i) if $i >= @lines;
	if ($lines[$i] =~ /^\s*#/) {
		return ($lines[$i], $i + 1);
	}
	my ($text, $depth) = ('', 0);
	for (; $i < @lines; $i++) {
		my $l = $lines[$i];
		$l =~ s{/\*.*?\*/}{}g;
		$text .= "$l\n";
		$depth += () = $l =~ /\{/g;
		$depth -= () = $l =~ /\}/g;
		return ($text, $i + 1) if $depth == 0 && $l =~ /;\s*$/;
	}
	return ($text, $i);
}

sub func_name {
	my ($decl) = @_;
	return undef if $decl =~ /^\s*(typedef|#|struct\s+\w+\s*[{;]|enum|union)/;
	return $decl =~ /(\w+)\s*\(/ ? $1 : undef;
}

sub params_of {
	my ($decl) = @_;
	my ($args) = $decl =~ /\w+\s*\((.*)\)\s*;/s or return ();
	return () if $args =~ /^\s*void\s*$/;
	my @p;
	for my $a (split /,/, $args) {
		$a =~ s/\[.*\]//;
		push @p, $1 if $a =~ /(\w+)\s*$/;
	}
	return @p;
}

# Split a kernel-doc body into @name: descriptions, free text and the
# Return: section.
sub parse_kdoc {
	my ($c) = @_;
	my (@params, @body, @ret);
	my $where = 'params';
	for my $l (@$c) {
		if ($where eq 'params' && $l =~ /^@([\w.]+):\s*(.*)$/) {
			push @params, [$1, $2];
			next;
		}
		if ($where eq 'params' && @params && $l =~ /^\s+\S/) {
			$params[-1][1] .= ' ' . ($l =~ s/^\s+//r);
			next;
		}
		if ($l =~ /^Return:\s*(.*)$/) {
			$where = 'return';
			push @ret, $1;
			next;
		}
		$where = 'body' if $where eq 'params' && $l =~ /\S/;
		push @{$where eq 'return' ? \@ret : \@body}, $l;
	}
	shift @body while @body && $body[0] eq '';
	pop @body while @body && $body[-1] eq '';
	return (\@params, \@body, \@ret);
}

my $seen_intro = 0;
for (my $i = 0; $i < @lines;) {
	my $l = $lines[$i];
	if ($l =~ m{^\s*/\*\*}) {
		my ($c, $next) = comment_lines($i);
		my $head = shift @$c // '';
		# The summary may go on until a blank line or the first @name.
		$head .= ' ' . shift @$c while @$c && $c->[0] =~ /^\S/ && $c->[0] !~ /^@/;
		my ($decl, $after) = declaration($next);
		if ($head =~ /^(\w+)\(\)\s+-\s+(.*)$/) {
			my ($name, $summary) = ($1, $2);
			my ($params, $body, $ret) = parse_kdoc($c);
			my $fn = func_name($decl);
			if (!defined $fn || $fn ne $name) {
				problem("line " . ($i + 1) . ": the comment of $name() is not followed by its declaration");
			} else {
				push @decls, [$decl, $next + 1];
				push @funcs, { name => $name, summary => $summary, params => $params,
					       body => $body, ret => $ret, decl => $decl, line => $i + 1,
					       section => $#sections };
			}
		} elsif ($head =~ /^(?:struct\s+(\w+)|typedef\s+(\w+))\s+-\s+(.*)$/) {
			my $name = $1 // $2;
			my ($members, $body, $ret) = parse_kdoc($c);
			$structs{$name} = { kind => defined $1 ? 'struct' : 'typedef', summary => $3,
					    members => $members, body => $body, ret => $ret, decl => $decl };
		} elsif ($decl =~ /^\s*#\s*define\s+(\w+)/) {
			my $name = $1;
			(my $s = join(' ', $head, @$c)) =~ s/^\Q$name\E\s+-\s+//;
			push @macros, [$name, $s];
		}
		$i = $after;
		next;
	}
	if ($l =~ m{^\s*/\*}) {
		my ($c, $next) = comment_lines($i);
		if (@$c > 1 || $c->[0] !~ /SPDX-License-Identifier/) {
			if (!$seen_intro) {
				push @sections, { title => '', body => $c };
				$seen_intro = 1;
			} else {
				my $title = shift @$c;
				$title =~ s/\.$//;
				shift @$c while @$c && $c->[0] eq '';
				push @sections, { title => $title, body => $c };
			}
		}
		$i = $next;
		next;
	}
	if ($l =~ /^\s*(#|$|}|extern\s+"C")/) {
		$i++;
		next;
	}
	my ($decl, $after) = declaration($i);
	push @decls, [$decl, $i + 1];
	$i = $after;
}

my %documented = map { $_->{name} => $_ } @funcs;
for (@decls) {
	my $fn = func_name($_->[0]);
	next unless defined $fn;
	problem("line $_->[1]: $fn() has no kernel-doc comment (/** $fn() - summary ... */), so no man page")
		unless $documented{$fn};
}
for my $f (@funcs) {
	my %doc = map { $_->[0] => 1 } @{$f->{params}};
	for my $p (params_of($f->{decl})) {
		problem("line $f->{line}: $f->{name}(): parameter \@$p is not documented") unless $doc{$p};
	}
	problem("line $f->{line}: $f->{name}(): no Return: section")
		if !@{$f->{ret}} && $f->{decl} !~ /^\s*void\s/;
}

# ---- the map: symbol versions ------------------------------------------

open my $mfh, '<', $opt{map} or die "mkman: $opt{map}: $!\n";
my (%symver, $node, $global);
while (<$mfh>) {
	s{/\*.*?\*/}{}g;
	if (/^\s*([A-Za-z_][\w.]*)\s*\{/) {
		($node, $global) = ($1, 0);
	} elsif (/^\s*global\s*:/) {
		$global = 1;
	} elsif (/^\s*local\s*:/) {
		$global = 0;
	} elsif ($global && /^\s*(\w+)\s*;/) {
		$symver{$1} = $node;
	}
}
close $mfh;
for my $s (sort keys %symver) {
	push @errors, "$opt{map}: $s is exported but not declared and documented in $opt{header}"
		unless $documented{$s};
}
for my $f (@funcs) {
	problem("line $f->{line}: $f->{name}() is not exported by $opt{map}") unless $symver{$f->{name}};
}

if (@errors) {
	print STDERR "mkman: $_\n" for @errors;
	print STDERR "mkman: every public function of libcryoctl needs a kernel-doc comment in the header"
		. " (its man page) and an entry in the map\n";
	exit 1;
}

# ---- roff ---------------------------------------------------------------

sub esc {
	my ($s) = @_;
	$s =~ s/\\/\\e/g;
	return $s;
}

# Kernel-doc markup in running text.
sub inline {
	my ($s) = @_;
	$s = esc($s);
	$s =~ s/``(.+?)``/\\fB$1\\fR/g;
	$s =~ s/(?<![\w>])-(?=[\w])/\\-/g;
	$s =~ s/%([A-Za-z_]\w*)/\\fB$1\\fR/g;
	$s =~ s/&((?:struct|enum|union)\s+\w+)/\\fB$1\\fR/g;
	$s =~ s/&(\w+(?:\.\w+)*)/\\fB$1\\fR/g;
	$s =~ s/@(\w+(?:->\w+|\.\w+)*)/\\fI$1\\fR/g;
	$s =~ s/\b(\w+)\(\)/\\fB$1\\fR()/g;
	return $s;
}

sub line_out {
	my ($s) = @_;
	$s =~ s/^([.'])/\\&$1/;
	return "$s\n";
}

sub expand {
	my ($s) = @_;
	1 while $s =~ s/^([^\t]*)\t/$1 . ' ' x (8 - length($1) % 8)/e;
	return $s;
}

# Literal text, kept as is: code and indented blocks.
sub literal {
	my ($s) = @_;
	$s = esc(expand($s));
	$s =~ s/-/\\-/g;
	return line_out($s);
}

# Paragraphs of a comment body: blank lines separate them; indented lines
# (a literal block after "text::", a table) are shown as they are.
sub text {
	my ($lines) = @_;
	my ($out, $in_par, @lit) = ('', 0);
	my $flush = sub {
		return unless @lit;
		my $min;
		for (@lit) {
			my $w = length(expand($_) =~ /^( *)/ ? $1 : '');
			$min = $w if !defined $min || $w < $min;
		}
		$out .= ".PP\n" unless $in_par;
		$out .= ".RS 4\n.nf\n";
		$out .= literal(substr(expand($_), $min)) for @lit;
		$out .= ".fi\n.RE\n";
		@lit = ();
		$in_par = 0;
	};
	for my $l (@$lines) {
		if ($l eq '') {
			$flush->();
			$in_par = 0;
			next;
		}
		if ($l =~ /^\s/) {
			push @lit, $l;
			next;
		}
		$flush->();
		$out .= ".PP\n" unless $in_par;
		$in_par = 1;
		# reStructuredText: "text::" ends with ":", a lone "::" vanishes.
		if ($l =~ /::$/) {
			$l =~ s/\s*::$/$l =~ m{(^|\s)::$} ? '' : ':'/e;
			next if $l eq '';
		}
		$out .= line_out(inline($l));
	}
	$flush->();
	return $out;
}

sub th {
	my ($name, $sec) = @_;
	return ".\\\" Generated by libcryoctl/man/mkman.pl from $opt{header}; do not edit.\n"
	     . ".TH $name $sec \"\" \"libcryoctl $opt{version}\" \"libcryoctl manual\"\n.nh\n.nr HY 0\n";
}

sub code_block {
	my ($decl, $bold_name) = @_;
	my $out = '';
	for my $l (split /\n/, $decl) {
		next if $l =~ /^\s*$/;
		my $r = literal($l);
		$r =~ s/\b\Q$bold_name\E\b/\\fB$bold_name\\fR/ if defined $bold_name;
		$out .= $r;
	}
	return $out;
}

# Capitalise a summary for a list, unless it starts with a name.
sub cap {
	my ($s) = @_;
	return $s =~ /^[a-z]+\b(?![(_])/ ? ucfirst $s : $s;
}

sub section_title {
	return uc $_[0]{title};
}

# The documented structures and typedefs a function's prototype names,
# and those they name in turn.
sub types_of {
	my ($decl) = @_;
	my (@t, %seen);
	my @todo = ($decl);
	while (@todo) {
		my $d = shift @todo;
		while ($d =~ /\b(\w+)\b/g) {
			my $n = $1;
			next if $seen{$n}++ || !$structs{$n};
			push @t, $n;
			push @todo, $structs{$n}{decl};
		}
	}
	return @t;
}

sub see_also {
	my ($f) = @_;
	my %refs;
	my $all = join("\n", @{$f->{body}}, @{$f->{ret}}, map { $_->[1] } @{$f->{params}});
	for my $t (types_of($f->{decl})) {
		$all .= "\n" . join("\n", @{$structs{$t}{body}}, map { $_->[1] } @{$structs{$t}{members}});
	}
	while ($all =~ /\b(\w+)\(\)/g) {
		$refs{$1} = 1 if $documented{$1} && $1 ne $f->{name};
	}
	my @r = ('.BR libcryoctl (3)');
	push @r, ".BR $_ (3)" for sort keys %refs;
	push @r, '.BR cryoctl (8)';
	return join(",\n", @r) . "\n";
}

my @written;
sub write_page {
	my ($name, $content) = @_;
	my $path = "$opt{out}/$name";
	open my $fh, '>', "$path.tmp" or die "mkman: $path.tmp: $!\n";
	print $fh $content;
	close $fh or die "mkman: $path.tmp: $!\n";
	rename "$path.tmp", $path or die "mkman: $path: $!\n";
	push @written, $path;
}

for my $f (@funcs) {
	my $p = th($f->{name}, 3);
	$p .= ".SH NAME\n$f->{name} \\- " . inline($f->{summary}) . "\n";
	$p .= ".SH LIBRARY\nlibcryoctl (\\fB\\-lcryoctl\\fR; \\fBpkg\\-config \\-\\-libs libcryoctl\\fR)\n";
	$p .= ".SH SYNOPSIS\n.nf\n.B #include <cryoctl.h>\n";
	for my $t (types_of($f->{decl})) {
		$p .= ".PP\n" . code_block($structs{$t}{decl});
	}
	$p .= ".PP\n" . code_block($f->{decl}, $f->{name}) . ".fi\n";
	$p .= ".SH DESCRIPTION\n";
	$p .= @{$f->{body}} ? text($f->{body}) : ".PP\n" . line_out(inline(cap($f->{summary})));
	if (@{$f->{params}}) {
		$p .= ".SS Arguments\n";
		$p .= ".TP\n.I $_->[0]\n" . line_out(inline($_->[1])) for @{$f->{params}};
	}
	for my $t (types_of($f->{decl})) {
		my $s = $structs{$t};
		$p .= ".SS " . ($s->{kind} eq 'struct' ? "struct $t" : $t) . "\n";
		$p .= ".PP\n" . line_out(inline(cap($s->{summary})));
		$p .= text($s->{body}) if @{$s->{body}};
		$p .= ".TP\n.I $_->[0]\n" . line_out(inline($_->[1])) for @{$s->{members}};
		if (@{$s->{ret}}) {
			$p .= ".PP\nReturn: ";
			$p .= (text($s->{ret}) =~ s/^\.PP\n//r);
		}
	}
	if ($f->{section} > 0) {
		my $s = $sections[$f->{section}];
		$p .= ".SH " . section_title($s) . "\n" . text($s->{body});
	}
	if (@{$f->{ret}}) {
		$p .= ".SH RETURN VALUE\n" . text([cap($f->{ret}[0]), @{$f->{ret}}[1 .. $#{$f->{ret}}]]);
	}
	my ($ver) = $symver{$f->{name}} =~ /_(\d+\.\d+)$/;
	$p .= ".SH VERSIONS\n.BR $f->{name} ()\nappeared in libcryoctl " . ($ver // '?')
	    . ", symbol version\n.BR $symver{$f->{name}} .\n";
	$p .= ".SH SEE ALSO\n" . see_also($f);
	write_page("$f->{name}.3", $p);
}

# ---- libcryoctl.3 -------------------------------------------------------

my $list = '';
for my $si (0 .. $#sections) {
	my @in = grep { $_->{section} == $si } @funcs;
	next unless @in;
	$list .= ".SS " . ($si ? $sections[$si]{title} : 'Device and freezing') . "\n";
	for my $f (@in) {
		$list .= ".TP\n.BR $f->{name} (3)\n" . line_out(inline(cap($f->{summary})))
		       . "($symver{$f->{name}})\n";
	}
}
my $macros = '';
$macros .= ".TP\n.B $_->[0]\n" . line_out(inline(cap($_->[1]))) for @macros;
my $intro = text($sections[0]{body} // []);

open my $tfh, '<', $opt{template} or die "mkman: $opt{template}: $!\n";
my $page = ".\\\" Generated by libcryoctl/man/mkman.pl from $opt{template} and $opt{header}; do not edit.\n";
while (my $l = <$tfh>) {
	next if $l =~ /^\.\\" SPDX|^\.\\" mkman:/;
	if ($l =~ /^\@FUNCTIONS\@$/) {
		$page .= $list;
	} elsif ($l =~ /^\@MACROS\@$/) {
		$page .= $macros;
	} elsif ($l =~ /^\@INTRO\@$/) {
		$page .= $intro;
	} else {
		$l =~ s/\@VERSION\@/$opt{version}/g;
		$page .= $l;
	}
}
close $tfh;
write_page('libcryoctl.3', $page);
