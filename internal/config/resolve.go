package config

import "os"

// Where Resolve looks for the configuration file when -config is not given.
const (
	// EnvConfig is the environment variable naming the configuration file.
	EnvConfig = "NEWSWATCH_CONFIG"

	// LocalFile is the configuration file in the working directory.
	LocalFile = "config.toml"

	// SystemFile is the system-wide configuration file, used as a last
	// resort (and by the Docker image and the systemd unit).
	SystemFile = "/etc/newswatch/config.toml"
)

// Resolve returns the configuration file to load: flagValue (the -config
// flag) when not empty, else $NEWSWATCH_CONFIG when not empty, else
// LocalFile when it exists, else SystemFile. The last is returned even
// when it does not exist, so that the error names it.
//
// getenv and exists stand for os.Getenv and a check that a regular file
// exists; nil means those.
func Resolve(flagValue string, getenv func(string) string, exists func(string) bool) string {
	if getenv == nil {
		getenv = os.Getenv
	}
	if exists == nil {
		exists = isFile
	}
	switch {
	case flagValue != "":
		return flagValue
	case getenv(EnvConfig) != "":
		return getenv(EnvConfig)
	case exists(LocalFile):
		return LocalFile
	default:
		return SystemFile
	}
}

// isFile reports whether path names an existing file that is not a
// directory.
func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir()
}
