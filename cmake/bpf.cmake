# SPDX-License-Identifier: GPL-2.0-only
# bpf_skeleton(NAME SOURCE): compiles SOURCE with clang into NAME.bpf.o and generates
# NAME.skel.h with bpftool; an INTERFACE target NAME_skel carries the include path.
find_program(BPF_CLANG NAMES clang clang-14 REQUIRED)
find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin REQUIRED)

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
	set(BPF_ARCH x86)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
	set(BPF_ARCH arm64)
else()
	message(FATAL_ERROR "no vmlinux.h for ${CMAKE_SYSTEM_PROCESSOR}: run scripts/gen-vmlinux.sh")
endif()
set(BPF_VMLINUX_DIR ${CMAKE_SOURCE_DIR}/bpf/vmlinux/${BPF_ARCH})

function(bpf_skeleton name source)
	set(obj ${CMAKE_CURRENT_BINARY_DIR}/bpf/${name}.bpf.o)
	set(skel ${CMAKE_CURRENT_BINARY_DIR}/bpf/${name}.skel.h)
	file(GLOB bpf_headers CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/bpf/*.h)
	add_custom_command(OUTPUT ${obj}
		COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/bpf
		COMMAND ${BPF_CLANG} -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_${BPF_ARCH}
			-Wall -Wextra -Werror -Wno-unused-parameter
			-I${BPF_VMLINUX_DIR} -I${CMAKE_SOURCE_DIR}/bpf
			-c ${CMAKE_CURRENT_SOURCE_DIR}/${source} -o ${obj}
		DEPENDS ${source} ${bpf_headers} ${BPF_VMLINUX_DIR}/vmlinux.h
		COMMENT "BPF ${source}"
		VERBATIM)
	add_custom_command(OUTPUT ${skel}
		COMMAND ${BPFTOOL} gen skeleton ${obj} name ${name}_bpf > ${skel}
		DEPENDS ${obj}
		COMMENT "skeleton ${name}.skel.h"
		VERBATIM)
	add_custom_target(${name}_skel_gen DEPENDS ${skel})
	add_library(${name}_skel INTERFACE)
	add_dependencies(${name}_skel ${name}_skel_gen)
	target_include_directories(${name}_skel INTERFACE ${CMAKE_CURRENT_BINARY_DIR}/bpf)
endfunction()
