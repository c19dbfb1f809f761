// SPDX-License-Identifier: GPL-2.0-only
/*
 * A program embedding CPython through libpython3.11.so, as uwsgi or a game engine does:
 * runs a script (callgraph.py) with its arguments. The interpreter is in the shared
 * library, not in the executable.
 * Usage: python_embed SCRIPT [ARGS...]
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	PyConfig config;
	PyStatus status;
	FILE *script;
	int rc;

	if (argc < 2) {
		fprintf(stderr, "usage: python_embed SCRIPT [ARGS...]\n");
		return 2;
	}
	PyConfig_InitPythonConfig(&config);
	config.parse_argv = 0; /* sys.argv is SCRIPT ARGS..., not an interpreter's options */
	status = PyConfig_SetBytesArgv(&config, argc - 1, argv + 1);
	if (!PyStatus_Exception(status))
		status = Py_InitializeFromConfig(&config);
	PyConfig_Clear(&config);
	if (PyStatus_Exception(status))
		Py_ExitStatusException(status);
	script = fopen(argv[1], "r");
	if (!script) {
		perror(argv[1]);
		return 1;
	}
	rc = PyRun_SimpleFileExFlags(script, argv[1], 1, NULL);
	return Py_FinalizeEx() < 0 || rc ? 1 : 0;
}
