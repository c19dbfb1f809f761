# SPDX-License-Identifier: GPL-2.0-only
# protobuf_c_sources(TARGET PROTO): generates PROTO's C code with protoc-c at build time,
# compiles it into TARGET and links TARGET with libprotobuf-c (found through pkg-config).
# The generated NAME.pb-c.h is on TARGET's public include path.
find_program(PROTOC_C NAMES protoc-c REQUIRED)
pkg_check_modules(PROTOBUF_C REQUIRED IMPORTED_TARGET libprotobuf-c>=1.3)

function(protobuf_c_sources target proto)
	get_filename_component(name ${proto} NAME_WE)
	get_filename_component(proto_dir ${CMAKE_CURRENT_SOURCE_DIR}/${proto} DIRECTORY)
	set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/generated/protobuf)
	set(sources ${out_dir}/${name}.pb-c.c ${out_dir}/${name}.pb-c.h)
	add_custom_command(OUTPUT ${sources}
		COMMAND ${CMAKE_COMMAND} -E make_directory ${out_dir}
		COMMAND ${PROTOC_C} --c_out=${out_dir} -I${proto_dir}
			${CMAKE_CURRENT_SOURCE_DIR}/${proto}
		DEPENDS ${proto}
		COMMENT "protoc-c ${proto}"
		VERBATIM)
	target_sources(${target} PRIVATE ${sources})
	target_include_directories(${target} PUBLIC ${out_dir})
	target_link_libraries(${target} PUBLIC PkgConfig::PROTOBUF_C)
endfunction()

# protobuf_c_tree(TARGET ROOT PROTO...): as protobuf_c_sources for .proto files that import
# one another by their paths under ROOT (OTLP's "opentelemetry/proto/..."). Each generated
# header's folder is on TARGET's public include path, so sources include it by its name.
function(protobuf_c_tree target root)
	set(root_dir ${CMAKE_CURRENT_SOURCE_DIR}/${root})
	set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/generated/protobuf)
	set(deps)
	foreach(proto ${ARGN})
		list(APPEND deps ${root}/${proto})
	endforeach()
	foreach(proto ${ARGN})
		get_filename_component(name ${proto} NAME_WE)
		get_filename_component(dir ${proto} DIRECTORY)
		set(sources ${out_dir}/${dir}/${name}.pb-c.c ${out_dir}/${dir}/${name}.pb-c.h)
		add_custom_command(OUTPUT ${sources}
			COMMAND ${CMAKE_COMMAND} -E make_directory ${out_dir}
			COMMAND ${PROTOC_C} --c_out=${out_dir} -I${root_dir} ${root_dir}/${proto}
			DEPENDS ${deps}
			COMMENT "protoc-c ${proto}"
			VERBATIM)
		target_sources(${target} PRIVATE ${sources})
		target_include_directories(${target} PUBLIC ${out_dir}/${dir})
	endforeach()
	target_include_directories(${target} PUBLIC ${out_dir})
	target_link_libraries(${target} PUBLIC PkgConfig::PROTOBUF_C)
endfunction()
