#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Checks that the documentation matches the code, in both directions.
# The lists come from the code, never from a list kept here:
#
#   sysfs attributes    struct attribute arrays in kernel/sysfs.c, against
#                       the What: blocks of Documentation/ABI/testing/
#                       sysfs-class-vpro (each block also needs Date,
#                       KernelVersion, Contact and Description)
#   netlink             enum vpro_cmd and enum vpro_attr of the uapi header
#                       (names and values) and the multicast groups of
#                       kernel/netlink.c, against Documentation/netlink.rst
#   module parameters   module_param*() in kernel/*.c (names and defaults),
#                       against the tables of apf-chardev.rst and
#                       admin-guide.rst
#   ioctls              VPRO_APF_IOC_* defines of the uapi header (number
#                       and argument), against apf-chardev.rst
#   vproctl             commands of user/main.c, long options of the
#                       struct option tables in user/*.c and the exit codes
#                       of user/exit_codes.[ch], against vproctl.8
#
# usage: tests/docs/check-docs.sh [ROOT]
# ROOT is the source tree to check (default: the tree holding this script).
# Prints TAP and a final "N passed, N failed" line; exits 1 when any check
# fails and 2 on a usage error.
set -u

if [ $# -gt 1 ]; then
	echo "check-docs.sh: too many arguments: expected at most one, the source tree" >&2
	exit 2
fi
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}

uapi=$root/include/uapi/linux/vpro_heci.h
sysfs_c=$root/kernel/sysfs.c
netlink_c=$root/kernel/netlink.c
abi=$root/Documentation/ABI/testing/sysfs-class-vpro
netlink_rst=$root/Documentation/netlink.rst
chardev_rst=$root/Documentation/apf-chardev.rst
admin_rst=$root/Documentation/admin-guide.rst
manpage=$root/Documentation/vproctl.8
main_c=$root/user/main.c
exit_h=$root/user/exit_codes.h
exit_c=$root/user/exit_codes.c

for file in "$uapi" "$sysfs_c" "$netlink_c" "$abi" "$netlink_rst" \
	"$chardev_rst" "$admin_rst" "$manpage" "$main_c" "$exit_h" "$exit_c"; do
	if [ ! -f "$file" ]; then
		echo "check-docs.sh: $file not found: pass the source tree as ROOT" >&2
		exit 2
	fi
done

passed=0
failed=0

# Records one TAP result: $1 is 0 for a pass, the rest is the test name.
result() {
	local rc=$1
	shift
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		echo "ok $((passed + failed)) - $*"
	else
		failed=$((failed + 1))
		echo "not ok $((passed + failed)) - $*"
	fi
}

# Prints the arguments as a TAP diagnostic line.
diag() {
	echo "# $*"
}

# Fails one test when list $2 (one item per line) is empty, because an
# empty list means that the extraction from $1 no longer matches the code.
require_items() {
	local count
	count=$(printf '%s\n' "$2" | grep -c .)
	[ "$count" -gt 0 ]
	result $? "extract $1 (found $count)"
}

# Succeeds when line $1 is one of the lines of $2.
in_list() {
	printf '%s\n' "$2" | grep -qxF -- "$1"
}

# Prints "NAME VALUE" for each member of enum $1 in the uapi header,
# counting from 0 like the C compiler does, or from an explicit "= N".
enum_members() {
	awk -v want="enum $1 {" '
		index($0, want) == 1 { inside = 1; value = 0; next }
		inside && /^};/ { exit }
		inside && match($0, /^[ \t]*[A-Z_][A-Z0-9_]*/) {
			name = substr($0, RSTART, RLENGTH)
			gsub(/[ \t]/, "", name)
			if (match($0, /=[ \t]*[0-9]+/))
				value = substr($0, RSTART + 1, RLENGTH - 1) + 0
			print name, value
			value++
		}' "$uapi"
}

# --- sysfs attributes -------------------------------------------------

code_sysfs=$(awk '
	/struct attribute \*[a-z0-9_]*\[\] *= *\{/ { inside = 1; next }
	inside && /^};/ { inside = 0 }
	inside {
		while (match($0, /&dev_attr_[a-z0-9_]+\.attr/)) {
			print substr($0, RSTART + 10, RLENGTH - 15)
			$0 = substr($0, RSTART + RLENGTH)
		}
	}' "$sysfs_c" | sort -u)
require_items "sysfs attributes from kernel/sysfs.c" "$code_sysfs"

# One line per What: entry, "PATH<TAB>FIELDS", where FIELDS lists the
# fields (Date, KernelVersion, Contact, Description) of its block.
abi_entries=$(awk '
	function flush(   i) {
		for (i = 1; i <= nwhat; i++)
			print what[i] "\t" fields
		nwhat = 0
		fields = ""
	}
	/^What:/ {
		if (!in_whats)
			flush()
		in_whats = 1
		sub(/^What:[ \t]*/, "")
		what[++nwhat] = $0
		next
	}
	/^[A-Za-z]+:/ {
		in_whats = 0
		field = $0
		sub(/:.*/, "", field)
		fields = fields " " field
		next
	}
	{ in_whats = 0 }
	END { flush() }' "$abi")
doc_sysfs=$(printf '%s\n' "$abi_entries" | cut -f1 |
	sed -n 's|^/sys/class/vpro/vproN/\([^/]*\)$|\1|p' | sort -u)

for attr in $code_sysfs; do
	in_list "$attr" "$doc_sysfs"
	result $? "sysfs attribute $attr has a What: entry in ABI/testing/sysfs-class-vpro"
done
for attr in $doc_sysfs; do
	in_list "$attr" "$code_sysfs"
	result $? "ABI entry vproN/$attr exists in kernel/sysfs.c"
done
while IFS=$'\t' read -r path fields; do
	[ -n "$path" ] || continue
	missing=
	for field in Date KernelVersion Contact Description; do
		case " $fields " in
		*" $field "*) ;;
		*) missing="$missing $field" ;;
		esac
	done
	[ -z "$missing" ]
	result $? "ABI entry $path has Date, KernelVersion, Contact and Description"
	[ -z "$missing" ] || diag "missing:$missing"
done <<<"$abi_entries"

# --- netlink commands, attributes and groups --------------------------

# Prints "NAME VALUE" for each table row of netlink.rst that starts with
# a name matching $1 followed by a value, e.g. "``VPRO_A_SKU``  5  u32".
rst_rows() {
	sed -n "s/^\`\`\($1\)\`\`\( ([a-z]*)\)\{0,1\}[[:space:]]\{1,\}\([0-9]\{1,\}\)[[:space:]].*/\1 \3/p" "$netlink_rst" |
		sort -u
}

check_enum_in_rst() {
	local kind=$1 enum=$2 prefix=$3 code rows name value doc_names
	code=$(enum_members "$enum" | grep -v -e "^${prefix}UNSPEC " -e "^__")
	require_items "netlink ${kind}s from enum $enum" "$code"
	rows=$(rst_rows "${prefix}[A-Z0-9_]*")
	while read -r name value; do
		printf '%s\n' "$rows" | grep -qx "$name $value"
		result $? "netlink $kind $name ($value) is in a table of netlink.rst"
		if ! printf '%s\n' "$rows" | grep -qx "$name $value"; then
			printf '%s\n' "$rows" | grep "^$name " | sed 's/^/# documented as: /'
		fi
	done <<<"$code"
	doc_names=$(grep -o "\`\`${prefix}[A-Z0-9_]*\`\`" "$netlink_rst" | tr -d '`' | sort -u)
	for name in $doc_names; do
		printf '%s\n' "$code" | grep -q "^$name "
		result $? "netlink.rst name $name exists in enum $enum"
	done
}

check_enum_in_rst command vpro_cmd VPRO_CMD_
check_enum_in_rst attribute vpro_attr VPRO_A_

# Group names are string literals or macros of the uapi header.
code_groups=$(awk '
	/struct genl_multicast_group/ { inside = 1 }
	inside && /^};/ { inside = 0 }
	inside && match($0, /\.name *= *[^ },]+/) {
		value = substr($0, RSTART, RLENGTH)
		sub(/\.name *= */, "", value)
		print value
	}' "$netlink_c" | while read -r group; do
	case $group in
	\"*) echo "$group" | tr -d '"' ;;
	*) sed -n "s/^#define[[:space:]]\{1,\}${group}[[:space:]]\{1,\}\"\(.*\)\"/\1/p" "$uapi" ;;
	esac
done | sort -u)
require_items "multicast groups from kernel/netlink.c" "$code_groups"
# The backquotes are rst markup, not shell.
# shellcheck disable=SC2016
doc_groups=$(sed -n 's/^Multicast group ``\(.*\)``$/\1/p' "$netlink_rst" | sort -u)
for group in $code_groups; do
	in_list "$group" "$doc_groups"
	result $? "multicast group $group has a section in netlink.rst"
done
for group in $doc_groups; do
	in_list "$group" "$code_groups"
	result $? "netlink.rst group $group exists in kernel/netlink.c"
done

# --- module parameters ------------------------------------------------

# Prints "NAME DEFAULT" per parameter: module_param(var, ...) names the
# parameter after the variable, module_param_named(name, var, ...) not.
code_params=$(for file in "$root"/kernel/*.c; do
	sed -n -e 's/^module_param(\([a-z0-9_]*\),.*/\1 \1/p' \
		-e 's/^module_param_named(\([a-z0-9_]*\), *\([a-z0-9_]*\),.*/\1 \2/p' "$file" |
		while read -r name var; do
			default=$(sed -n "s/^[a-z ]*[[:space:]]$var = \([0-9]\{1,\}\);.*/\1/p" "$file" | head -n 1)
			echo "$name ${default:-?}"
		done
done | sort -u)
require_items "module parameters from kernel/*.c" "$code_params"

# Prints "NAME DEFAULT" for the rows of the "Module parameters" table of
# rst file $1.
rst_params() {
	awk '
		/^=+$/ && prev != "" && prev !~ /^=/ { section = prev }
		section == "Module parameters" && match($0, /^``[a-z0-9_]+``[ \t]+[0-9]+[ \t]/) {
			row = $0
			gsub(/`/, "", row)
			split(row, word, /[ \t]+/)
			print word[1], word[2]
		}
		{ prev = $0 }' "$1" | sort -u
}

for rst in "$chardev_rst" "$admin_rst"; do
	doc=$(rst_params "$rst")
	base=${rst##*/}
	while read -r name default; do
		printf '%s\n' "$doc" | grep -qx "$name $default"
		result $? "module parameter $name (default $default) is in $base"
		if ! printf '%s\n' "$doc" | grep -qx "$name $default"; then
			printf '%s\n' "$doc" | grep "^$name " | sed 's/^/# documented as: /'
		fi
	done <<<"$code_params"
	while read -r name default; do
		[ -n "$name" ] || continue
		printf '%s\n' "$code_params" | grep -q "^$name "
		result $? "$base parameter $name exists in kernel/*.c"
	done <<<"$doc"
done

# --- ioctls -----------------------------------------------------------

magic=$(sed -n "s/^#define[[:space:]]\{1,\}VPRO_APF_IOC_MAGIC[[:space:]]\{1,\}\('.'\).*/\1/p" "$uapi")
# "NAME|_IOW('V', 1, struct vpro_apf_connect)" per ioctl, magic resolved.
code_ioctls=$(sed -n 's/^#define[[:space:]]\{1,\}\(VPRO_APF_IOC_[A-Z0-9_]*\)[[:space:]]\{1,\}\(_IO[RW]*(.*)\)[[:space:]]*$/\1|\2/p' "$uapi" |
	sed "s/VPRO_APF_IOC_MAGIC/$magic/")
require_items "ioctls from the uapi header" "$code_ioctls"
while IFS='|' read -r name definition; do
	grep -qF "\`\`$name\`\` is \`\`$definition\`\`" "$chardev_rst"
	result $? "ioctl $name is documented in apf-chardev.rst as $definition"
done <<<"$code_ioctls"
# shellcheck disable=SC2016
for name in $(grep -o '``VPRO_APF_IOC_[A-Z0-9_]*``' "$chardev_rst" | tr -d '`' | sort -u); do
	grep -q "^#define[[:space:]]\{1,\}${name}[[:space:]]" "$uapi"
	result $? "apf-chardev.rst ioctl $name is defined in the uapi header"
done

# --- vproctl commands, options and exit codes -------------------------

code_commands=$(sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", cmd_.*/\1/p' "$main_c" | sort -u)
require_items "vproctl commands from user/main.c" "$code_commands"

# Prints the COMMANDS section of the man page as "COMMAND<TAB>LINE" for
# each line, where COMMAND is the first word of the enclosing top-level
# .TP heading. Options inside .RS/.RE belong to that command.
man_commands=$(awk '
	/^\.SH / { section = $0; depth = 0; command = ""; next }
	section != ".SH COMMANDS" { next }
	/^\.RS/ { depth++ }
	/^\.RE/ { depth-- }
	depth == 0 && /^\.PP/ { command = "" }
	heading && /^\.B / { command = $2; heading = 0 }
	depth == 0 && /^\.TP/ { heading = 1; next }
	command != "" { print command "\t" $0 }' "$manpage" | sed 's/\\-/-/g')
doc_commands=$(printf '%s\n' "$man_commands" | cut -f1 | sort -u)
for command in $code_commands; do
	in_list "$command" "$doc_commands"
	result $? "vproctl command $command has an entry in vproctl.8 COMMANDS"
done
for command in $doc_commands; do
	in_list "$command" "$code_commands"
	result $? "vproctl.8 command $command exists in user/main.c"
done

# Prints "COMMAND OPTION" for each struct option table in user/*.c. The
# command is the first "Usage: vproctl COMMAND" of the same file.
code_options=$(for file in "$root"/user/*.c; do
	grep -q 'struct option' "$file" || continue
	command=$(sed -n 's/.*"Usage: vproctl \([a-z-]*\).*/\1/p' "$file" | head -n 1)
	awk '
		/struct option/ { inside = 1; next }
		inside && /};/ { inside = 0 }
		inside && match($0, /\{ *"[a-z0-9-]+"/) {
			value = substr($0, RSTART, RLENGTH)
			sub(/\{ *"/, "", value)
			sub(/"$/, "", value)
			print value
		}' "$file" | sed "s/^/${command:-?} /"
done | sort -u)
require_items "vproctl long options from user/*.c" "$code_options"
# Options that main.c handles before a command runs, e.g. --version.
global_options=$(grep -o 'strcmp(name, "--[a-z-]*")' "$main_c" | sed 's/.*"--\([a-z-]*\)".*/\1/' | sort -u)
man_text=$(sed 's/\\-/-/g' "$manpage")

while read -r command option; do
	if [ "$option" = help ]; then
		# One sentence covers --help for every command.
		printf '%s\n' "$man_text" | grep -q -- '--help'
		result $? "vproctl $command --help is documented in vproctl.8"
		continue
	fi
	printf '%s\n' "$man_commands" | awk -F'\t' -v c="$command" '$1 == c { print $2 }' |
		grep -qE -- "--$option([^a-z-]|$)"
	result $? "vproctl $command --$option is documented under $command in vproctl.8"
done <<<"$code_options"
for option in $global_options; do
	printf '%s\n' "$man_text" | grep -qE -- "vproctl --$option([^a-z-]|$)"
	result $? "vproctl --$option is documented in vproctl.8"
done
all_options=$( (printf '%s\n' "$code_options" | cut -d' ' -f2; printf '%s\n' "$global_options") | sort -u)
for option in $(printf '%s\n' "$man_text" | grep -oE -- '--[a-z][a-z0-9-]*' | sed 's/^--//' | sort -u); do
	in_list "$option" "$all_options"
	result $? "vproctl.8 option --$option exists in user/*.c"
done

# "CODE NAME" per exit code, from the enum values and the name table.
code_exits=$(awk '
	FILENAME ~ /\.h$/ && match($0, /VP_EXIT_[A-Z0-9_]+ = [0-9]+/) {
		split(substr($0, RSTART, RLENGTH), part, / = /)
		number[part[1]] = part[2]
	}
	FILENAME ~ /\.c$/ && match($0, /\{ VP_EXIT_[A-Z0-9_]+, ".*" \}/) {
		entry = substr($0, RSTART + 2, RLENGTH - 4)
		id = entry
		sub(/,.*/, "", id)
		name = entry
		sub(/^[^"]*"/, "", name)
		sub(/"$/, "", name)
		print (id in number ? number[id] : "?" id), name
	}' "$exit_h" "$exit_c" | sort -n)
require_items "exit codes from user/exit_codes.[ch]" "$code_exits"
doc_exits=$(awk '
	/^\.SH EXIT STATUS/ { inside = 1; next }
	/^\.SH / { inside = 0 }
	inside && /^\.TS/ { table = 1; next }
	inside && /^\.TE/ { table = 0 }
	table && /^[0-9]+\t/ { sub(/\t/, " "); print }' "$manpage" | sed 's/\\-/-/g' | sort -n)
while read -r line; do
	in_list "$line" "$doc_exits"
	result $? "exit code '$line' is in the vproctl.8 EXIT STATUS table"
done <<<"$code_exits"
while read -r line; do
	[ -n "$line" ] || continue
	in_list "$line" "$code_exits"
	result $? "vproctl.8 exit code '$line' is in user/exit_codes.[ch]"
done <<<"$doc_exits"

echo "1..$((passed + failed))"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
