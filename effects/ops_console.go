package effects

// Operations of the console family, served by console.
const (
	// ConsoleLogDebug writes message to the host's log at debug level.
	ConsoleLogDebug OpID = "console.log_debug"
	// ConsoleLogInfo writes message to the host's log at info level.
	ConsoleLogInfo OpID = "console.log_info"
	// ConsoleLogWarn writes message to the host's log at warn level.
	ConsoleLogWarn OpID = "console.log_warn"
	// ConsoleLogError writes message to the host's log at error level.
	ConsoleLogError OpID = "console.log_error"
)
