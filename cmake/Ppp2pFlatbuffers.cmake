# ppp2p_flatbuffers_schema(<target> <schema.fbs>...)
# Compiles schemas with flatc at build time into <binary dir>/generated and makes <target>
# (an INTERFACE library) carry the include path and the dependency.
function(ppp2p_flatbuffers_schema target)
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/generated)
  set(headers)
  foreach(schema ${ARGN})
    get_filename_component(abs ${schema} ABSOLUTE)
    get_filename_component(stem ${schema} NAME_WE)
    set(header ${out_dir}/${stem}_generated.h)
    add_custom_command(
      OUTPUT ${header}
      COMMAND ${FLATC} --cpp --scoped-enums -o ${out_dir} ${abs}
      DEPENDS ${abs}
      COMMENT "flatc ${schema}")
    list(APPEND headers ${header})
  endforeach()
  add_custom_target(${target}_gen DEPENDS ${headers})
  add_library(${target} INTERFACE)
  add_dependencies(${target} ${target}_gen)
  target_include_directories(${target} INTERFACE ${out_dir})
  target_link_libraries(${target} INTERFACE flatbuffers::flatbuffers)
endfunction()
