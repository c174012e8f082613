using System.Text;

namespace Bangumoe.Storage;

/// <summary>Makes arbitrary text safe as a PartitionKey/RowKey (which forbid / \ # ? and control characters).</summary>
public static class KeyEncoding
{
    public static string Escape(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c is '/' or '\\' or '#' or '?' or '%' || char.IsControl(c))
                sb.Append('%').Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            else
                sb.Append(c);
        }
        return sb.ToString();
    }
}
