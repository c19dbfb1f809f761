// SPDX-License-Identifier: GPL-2.0-only
// The Java workload of test_record_java.sh: a hot loop in a method of its own, Hot.spin,
// called for ever from main. Run it with -XX:CompileCommand=dontinline,Hot::spin so that the
// JIT compiles spin into code of its own (named "long Hot.spin(long)" in the perf map) rather
// than into main's.
public class Hot {
	static long spin(long n)
	{
		long s = 0;
		for (long i = 0; i < n; i++)
			s = (s * 31 + i) % 1000003;
		return s;
	}

	public static void main(String[] args)
	{
		long t = 0;
		for (;;)
			t = (t + spin(1000000)) % 1000003;
	}
}
